package dev.parley.client.call;

import dev.parley.protocol.wire.CallSignal;
import dev.parley.protocol.wire.Credential;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * What every call of one engine shares: settings, NAT traversal, runtime, the way out for signals,
 * the keys and contacts that protect calls, the incoming-call policy, the listener, the spare media
 * session and the log of dropped signals.
 *
 * @param signaller sends a signal through the super node; completes when acknowledged
 */
record CallContext(CallSettings settings, CallTrust trust, NatTraversal nat, CallRuntime runtime,
        Function<CallSignal, CompletableFuture<Void>> signaller, IncomingCallPolicy policy, CallListener listener,
        SpareMedia media, SignalDrops drops) {
    /** @return a copy with another credential in its settings (after a renewal) */
    CallContext withCredential(Credential credential) {
        return new CallContext(settings.withCredential(credential), trust, nat, runtime, signaller, policy, listener, media, drops);
    }

    /** @return a signal of call {@code callId} from us to {@code to}, kind still to set */
    CallSignal.Builder signal(String callId, String to) {
        return CallSignal.newBuilder().setCallId(callId).setFrom(settings.self()).setTo(to);
    }
}
