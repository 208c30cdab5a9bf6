package dev.parley.client.call;

import com.google.protobuf.ByteString;
import dev.parley.protocol.ProtocolException;
import dev.parley.protocol.wire.Bye;
import dev.parley.protocol.wire.CallSignal;
import dev.parley.protocol.wire.Credential;
import dev.parley.protocol.wire.Invite;
import dev.parley.protocol.wire.MediaDescription;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An outgoing call that rings every device of the callee (several devices per account,
 * docs/protocol.md "Several devices"): one INVITE per device, each sealed to that device's own key
 * with its own key share commitment and sequence numbers (a {@link CallCrypto} per branch). The
 * newest device is the call's own branch ({@link CallSession#crypto()}); this class holds the
 * others. The first ACCEPT wins: its branch becomes the call's, every other device gets
 * {@code BYE{"answered on another device"}} and stops ringing. A REJECT from any device declines
 * the call; BUSY or a failed INVITE takes only that device out (the call ends BUSY when none is left).
 *
 * <p>Engine thread only, like its {@link CallSession}. Signals of a device are recognised by its
 * signature (each device signs with its own key), so one device cannot answer or decline in
 * another's name.
 */
final class CallFork {
    private static final Logger log = LoggerFactory.getLogger(CallFork.class);

    /** Devices a call rings at most (a super node keeps at most this many per account). */
    static final int MAX_DEVICES = PeerDirectory.MAX_DEVICES;
    /** The reason of the BYE that stops the other devices ringing; the callee ends as {@link EndReason#ANSWERED_ELSEWHERE}. */
    static final String ANSWERED_ELSEWHERE = "answered on another device";

    private final CallSession call;
    private final CallContext ctx;
    private final List<CallCrypto> branches; // every device, the call's own (at first the newest) included
    private final Set<CallCrypto> out = new HashSet<>(); // declined busy, or unreachable
    private boolean decided; // a device answered (or the call ended): no more forking

    private CallFork(CallSession call, List<CallCrypto> branches) {
        this.call = call;
        this.ctx = call.ctx();
        this.branches = branches;
    }

    /**
     * Keys a branch for each further device whose credential verifies (others are skipped with a log line).
     *
     * @param others the credentials of the callee's devices other than the call's own (newest) one
     * @return the fork, or none if no other device is left
     */
    static @Nullable CallFork of(CallSession call, List<Credential> others) {
        List<CallCrypto> branches = new ArrayList<>();
        branches.add(call.crypto());
        for (Credential c : others.subList(0, Math.min(others.size(), MAX_DEVICES - 1))) {
            CallCrypto branch = new CallCrypto(call.ctx(), call.id, true, null, 0);
            try {
                branch.peerDevice(c, call.peer);
                branches.add(branch);
            } catch (ProtocolException e) {
                log.info("call {}: not ringing a device of {}: {}", call.id, call.peer, e.getMessage());
            }
        }
        return branches.size() < 2 ? null : new CallFork(call, branches);
    }

    /** Sends the INVITE to every device but the call's own one (which {@link CallerSteps} invites). */
    void invite(MediaDescription media, long sentAtMs) {
        for (CallCrypto branch : branches) {
            if (branch != call.crypto()) {
                send(branch, b -> b.setInvite(Invite.newBuilder().setMedia(media)
                        .setKeyShareHash(ByteString.copyFrom(branch.ownShareCommitment())).setSentAtMs(sentAtMs)));
            }
        }
    }

    /**
     * A signal of this call from the callee: taken here if another device than the call's own one
     * signed it (while no device answered yet).
     *
     * @return true if it was that device's (handled here); false for the call's own device or anyone else
     */
    boolean claims(CallSignal wire) {
        if (decided) {
            return false;
        }
        for (CallCrypto branch : branches) {
            if (branch == call.crypto()) {
                continue;
            }
            CallSignal s = branch.openIfFromPeer(wire);
            if (s != null) {
                onBranchSignal(branch, s);
                return true;
            }
        }
        return false;
    }

    private void onBranchSignal(CallCrypto branch, CallSignal s) {
        switch (s.getKindCase()) {
            case RINGING -> {
                if (call.phase() instanceof CallPhase.Calling) {
                    call.setPhase(new CallPhase.Ringing());
                }
            }
            case ACCEPT -> {
                CallCrypto previous = call.crypto();
                call.adopt(branch); // this device's keys: the caller reveals its share to it now
                call.mark("answered-on-" + branches.indexOf(branch));
                log.info("call {}: {} answered on device {}; the others stop ringing", call.id, call.peer, branches.indexOf(branch));
                if (!out.contains(previous)) {
                    send(previous, b -> b.setBye(Bye.newBuilder().setReason(ANSWERED_ELSEWHERE)));
                }
                stopOthers(ANSWERED_ELSEWHERE);
                CallerSteps.onAccept(call, s.getAccept());
            }
            case REJECT, BYE -> {
                out.add(branch); // declined on one device: declined
                call.end(EndReason.REMOTE_DECLINED, PeerText.clean(s.hasReject() ? s.getReject().getReason() : s.getBye().getReason()));
            }
            case BUSY -> deviceOut(branch, EndReason.BUSY, "");
            default -> log.debug("call {}: ignoring {} from a ringing device", call.id, s.getKindCase());
        }
    }

    /**
     * The call's own device answered BUSY (in another call), or could not be reached, before any answered.
     *
     * @return true if another device still rings (the call goes on); false if none is left or one answered
     */
    boolean ownDeviceOut() {
        if (decided) {
            return false;
        }
        out.add(call.crypto());
        return branches.stream().anyMatch(b -> !out.contains(b));
    }

    /** Takes a device out; the call ends with {@code reason} when it was the last one. */
    private void deviceOut(CallCrypto branch, EndReason reason, String detail) {
        out.add(branch);
        if (branches.stream().allMatch(out::contains)) {
            call.end(reason, detail);
        }
    }

    /**
     * The call ended or a device answered: every other device still ringing gets a BYE with {@code reason}.
     * Idempotent; nothing after a device answered.
     */
    void stopOthers(String reason) {
        if (decided) {
            return;
        }
        decided = true;
        for (CallCrypto branch : branches) {
            if (branch != call.crypto() && !out.contains(branch)) {
                send(branch, b -> b.setBye(Bye.newBuilder().setReason(reason)));
            }
        }
    }

    /** Seals to one device and sends; a failure (that device went offline) takes only it out. */
    private void send(CallCrypto branch, UnaryOperator<CallSignal.Builder> kind) {
        CallSignal sealed = branch.seal(kind.apply(ctx.signal(call.id, call.peer)).build());
        if (sealed == null) {
            return;
        }
        ctx.signaller().apply(sealed).whenComplete((ok, e) -> {
            if (e != null) {
                ctx.runtime().scheduler().execute(() -> {
                    log.info("call {}: a device of {} is unreachable: {}", call.id, call.peer, e.getMessage());
                    if (!decided) {
                        deviceOut(branch, EndReason.UNREACHABLE, String.valueOf(e.getMessage()));
                    }
                });
            }
        });
    }
}
