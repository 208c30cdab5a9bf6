package dev.parley.client.call;

import com.google.protobuf.ByteString;
import dev.parley.client.media.AudioResources;
import dev.parley.codec.audio.AudioSink;
import dev.parley.codec.audio.AudioSource;
import dev.parley.protocol.wire.Accept;
import dev.parley.protocol.wire.Busy;
import dev.parley.protocol.wire.MediaDescription;
import dev.parley.protocol.wire.Reject;
import java.util.concurrent.CompletableFuture;

/**
 * The callee's own steps of a {@link CallSession}: the policy's decision on a ringing call, answer,
 * decline. On the engine's thread, like the session.
 */
final class CalleeSteps {
    private CalleeSteps() {}

    /**
     * An incoming call whose INVITE verified: rings, then asks the policy what to do. A waiting call
     * (call waiting) is not answered by the policy: it rings until the user answers or declines it.
     *
     * @param crypto the call's end-to-end state: the caller's credential and key share, the INVITE's sequence number
     * @param waiting true if another call is in progress
     */
    static CallSession incoming(CallContext ctx, String id, String caller, MediaDescription offer, CallCrypto crypto,
            boolean waiting) {
        CallSession s = CallSession.ringing(ctx, id, caller, offer, crypto);
        IncomingCallPolicy.Decision decision = ctx.policy().onIncoming(id, caller);
        if (waiting && decision instanceof IncomingCallPolicy.Answer a) { // the user answers it, holding the current call
            AudioResources.closeQuietly(a.source(), a.sink());
            decision = new IncomingCallPolicy.Ring();
        }
        switch (decision) {
            case IncomingCallPolicy.Answer a -> answer(s, a.source(), a.sink());
            case IncomingCallPolicy.Decline d -> decline(s, d.reason());
            case IncomingCallPolicy.Ring r -> s.setTimer(() -> s.hangup(EndReason.NOT_ANSWERED, ""),
                    ctx.settings().ringTimeout().toMillis());
        }
        return s;
    }

    /** The local user answers the ringing call: media, then checks, then ACCEPT (the caller checks on ACCEPT). */
    static void answer(CallSession s, AudioSource source, AudioSink sink) {
        s.cancelTimer();
        s.setAudio(source, sink);
        if (!s.openMedia()) {
            return;
        }
        s.keys().answered();
        MediaDescription theirs = s.offer();
        s.setPhase(new CallPhase.Connecting());
        PathRound round = s.newRound();
        round.prepare(theirs, ours -> {
            s.mark("gathered");
            // checks first: the caller starts its own on ACCEPT (PathRound.connect)
            round.connect(theirs, s.events(round, s::startMedia, s::hangup), () -> {
                s.timeline().offered();
                s.send(b -> b.setAccept(Accept.newBuilder().setMedia(ours)
                        .setKeyShare(ByteString.copyFrom(s.crypto().ownShare()))));
            });
        });
    }

    /**
     * The local user declines the ringing call.
     *
     * @return completes when the super node took the REJECT (or failed to)
     */
    static CompletableFuture<Void> decline(CallSession s, String reason) {
        CompletableFuture<Void> sent = s.send(b -> b.setReject(Reject.newBuilder().setReason(reason)));
        s.end(EndReason.DECLINED, "");
        return sent;
    }

    /**
     * The local user declines the ringing call as busy (call waiting: BUSY, as if it had come a moment later).
     *
     * @return completes when the super node took the BUSY (or failed to)
     */
    static CompletableFuture<Void> declineBusy(CallSession s) {
        CompletableFuture<Void> sent = s.send(b -> b.setBusy(Busy.getDefaultInstance()));
        s.end(EndReason.DECLINED, "busy");
        return sent;
    }
}
