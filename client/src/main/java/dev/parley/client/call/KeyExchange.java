package dev.parley.client.call;

import com.google.protobuf.ByteString;
import dev.parley.nat.transport.TaskScheduler;
import dev.parley.protocol.ProtocolException;
import dev.parley.protocol.wire.KeyReveal;
import java.util.Arrays;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * The key exchange of one call, as its signals drive it (docs/protocol.md "Call keys and SAS"):
 * the caller committed to its share in the INVITE; the callee's share arrives with RINGING (and
 * again with ACCEPT), and the caller then reveals its own; the callee checks the reveal against the
 * commitment. The callee's media waits for the keys: a path selected before them is held. Any
 * failure hangs up as {@link EndReason#INSECURE}. Engine thread only, like its {@link CallSession}.
 */
final class KeyExchange {
    /** Callee: hang up if the caller has not revealed its key share this long after we answered. */
    static final long KEY_REVEAL_TIMEOUT_MS = 10_000;

    private final CallSession call;
    private final CallContext ctx;
    private final CallCrypto crypto;
    private PathRound.@Nullable Selected pendingSelected; // callee: path found, keys not yet agreed
    private TaskScheduler.@Nullable Cancellable revealTimer; // callee: answered, the caller's share not yet revealed

    KeyExchange(CallSession call, CallContext ctx, CallCrypto crypto) {
        this.call = call;
        this.ctx = ctx;
        this.crypto = crypto;
    }

    /**
     * Caller: the callee's share, from its RINGING or ACCEPT: the keys are agreed and our share is
     * revealed (once); a second copy must be the same share (an empty one in ACCEPT is fine).
     *
     * @return false if the call was hung up (a missing, invalid or changed share)
     */
    boolean calleeShare(byte[] share) {
        byte[] agreed = crypto.agreedPeerShare();
        if (agreed != null) {
            if (share.length == 0 || Arrays.equals(share, agreed)) {
                return true;
            }
            call.hangup(EndReason.INSECURE, "the callee sent two different key shares");
            return false;
        }
        try {
            crypto.agree(share, call.peer);
        } catch (ProtocolException e) {
            call.hangup(EndReason.INSECURE, e.getMessage());
            return false;
        }
        call.mark("keys");
        call.send(b -> b.setReveal(KeyReveal.newBuilder().setKeyShare(ByteString.copyFrom(crypto.ownShare()))));
        return true;
    }

    /** Callee: our user answered; without the caller's share by now, it has {@value #KEY_REVEAL_TIMEOUT_MS} ms to come. */
    void answered() {
        if (crypto.secrets() == null) {
            revealTimer = ctx.runtime().scheduler().schedule(() -> call.hangup(EndReason.INSECURE,
                    "the caller revealed no key share within " + KEY_REVEAL_TIMEOUT_MS + " ms"), KEY_REVEAL_TIMEOUT_MS);
        }
    }

    /**
     * Callee: the caller's share, opening its commitment: the keys are agreed (usually while our
     * user has not answered yet); a path already selected starts media now.
     */
    void revealed(byte[] share, Consumer<PathRound.Selected> startMedia) {
        if (call.outgoing || crypto.secrets() != null) {
            return; // only once
        }
        try {
            crypto.revealed(share, call.peer);
        } catch (ProtocolException e) {
            call.hangup(EndReason.INSECURE, e.getMessage());
            return;
        }
        stop();
        call.mark("keys");
        if (pendingSelected != null) {
            PathRound.Selected selected = pendingSelected;
            pendingSelected = null;
            startMedia.accept(selected);
        }
    }

    /**
     * @return the SRTP keys if media may start on {@code selected} now; none if the keys are not
     *     agreed yet (the path is held until they are)
     */
    CallKeys.@Nullable Secrets keysFor(PathRound.Selected selected) {
        CallKeys.Secrets secrets = crypto.secrets();
        if (secrets == null) {
            pendingSelected = selected;
        }
        return secrets;
    }

    /** Stops the reveal timeout (the call ended, or the share came). */
    void stop() {
        if (revealTimer != null) {
            revealTimer.cancel();
            revealTimer = null;
        }
    }
}
