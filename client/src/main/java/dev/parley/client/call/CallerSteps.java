package dev.parley.client.call;

import com.google.protobuf.ByteString;
import dev.parley.protocol.Futures;
import dev.parley.protocol.ProtocolException;
import dev.parley.protocol.wire.Accept;
import dev.parley.protocol.wire.Credential;
import dev.parley.protocol.wire.ErrorCode;
import dev.parley.protocol.wire.Invite;
import dev.parley.protocol.wire.MediaDescription;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The caller's own steps of a {@link CallSession}: the sealed INVITE once the callee's credential is
 * known, and the callee's ACCEPT. On the engine's thread, like the session.
 */
final class CallerSteps {
    private CallerSteps() {}

    /**
     * The callee's devices are known (or not): INVITE, sealed to each device's key (the newest is
     * the call's own, the others ring through a {@link CallFork}), and the ring timeout.
     */
    static void invite(CallSession call, MediaDescription media, @Nullable List<Credential> devices, @Nullable Throwable failure) {
        if (call.ended()) {
            return;
        }
        if (failure != null) {
            Throwable cause = Futures.unwrap(failure);
            ErrorCode code = cause instanceof ProtocolException pe ? pe.code() : ErrorCode.ERROR_UNSPECIFIED;
            call.end(code == ErrorCode.USER_NOT_FOUND ? EndReason.NO_SUCH_USER
                    : code == ErrorCode.USER_OFFLINE ? EndReason.UNREACHABLE : EndReason.REFUSED,
                    code == ErrorCode.USER_NOT_FOUND ? "" : String.valueOf(cause.getMessage()));
            return;
        }
        Credential credential = devices.get(0);
        CallCrypto crypto = call.crypto();
        try {
            crypto.peerFound(credential, call.peer);
        } catch (ProtocolException e) {
            call.end(e.code() == ErrorCode.INVALID_CREDENTIAL && credential.getEncryptionKey().isEmpty() ? EndReason.INSECURE
                    : EndReason.REFUSED, e.getMessage());
            return;
        }
        call.mark("keyed");
        CallContext ctx = call.ctx();
        long sentAtMs = ctx.runtime().wallClock().millis();
        call.send(b -> b.setInvite(Invite.newBuilder().setMedia(media)
                .setKeyShareHash(ByteString.copyFrom(crypto.ownShareCommitment())).setSentAtMs(sentAtMs)));
        CallFork fork = CallFork.of(call, devices.subList(1, devices.size()));
        if (fork != null) {
            call.fork(fork);
            fork.invite(media, sentAtMs);
        }
        call.setTimer(() -> call.hangup(EndReason.NO_ANSWER, ""), ctx.settings().ringTimeout().toMillis());
    }

    /** The callee answered: its key share, then connectivity checks towards its candidates. */
    static void onAccept(CallSession call, Accept accept) {
        CallPhase phase = call.phase();
        PathRound round = call.round();
        if (!call.outgoing || !(phase instanceof CallPhase.Calling || phase instanceof CallPhase.Ringing) || round == null) {
            return; // a duplicate or late ACCEPT
        }
        call.cancelTimer();
        call.mark("accept");
        if (!call.keys().calleeShare(accept.getKeyShare().toByteArray())) {
            return;
        }
        try {
            MediaDescriptions.remoteAddress(accept.getMedia());
        } catch (ProtocolException e) {
            call.hangup(EndReason.REFUSED, "bad answer: " + e.getMessage());
            return;
        }
        call.setPhase(new CallPhase.Connecting());
        round.connect(accept.getMedia(), call.events(round, call::startMedia, call::hangup));
    }
}
