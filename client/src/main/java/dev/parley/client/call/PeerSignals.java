package dev.parley.client.call;

import dev.parley.protocol.wire.CallSignal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What each signal from the peer does to a {@link CallSession}: RINGING (the callee's key share),
 * ACCEPT, REJECT, BUSY, BYE, UPDATE (path renegotiation), REVEAL (the caller's key share) and HOLD.
 * The signal has already verified and opened ({@link CallCrypto#open}); INVITEs are the engine's.
 * On the engine's thread, like the session. Signals and their fields: docs/protocol.md "Calls".
 */
final class PeerSignals {
    private static final Logger log = LoggerFactory.getLogger(PeerSignals.class);

    private PeerSignals() {}

    /** Applies a verified, opened signal of call {@code s} (ignored once the call ended). */
    static void on(CallSession s, CallSignal signal) {
        if (s.ended()) {
            return;
        }
        CallFork fork = s.fork();
        switch (signal.getKindCase()) {
            case RINGING -> {
                if (s.outgoing && s.phase() instanceof CallPhase.Calling) {
                    if (!s.keys().calleeShare(signal.getRinging().getKeyShare().toByteArray())) {
                        return;
                    }
                    s.setPhase(new CallPhase.Ringing());
                }
            }
            case ACCEPT -> {
                if (fork != null && s.outgoing) {
                    fork.stopOthers(CallFork.ANSWERED_ELSEWHERE); // this device answered: the others stop ringing
                }
                CallerSteps.onAccept(s, signal.getAccept());
            }
            case REJECT -> s.end(s.outgoing ? EndReason.REMOTE_DECLINED : EndReason.REMOTE_HUNG_UP,
                    PeerText.clean(signal.getReject().getReason()));
            case BUSY -> {
                if (s.outgoing && !s.mediaStarted() && (fork == null || !fork.ownDeviceOut())) {
                    s.end(EndReason.BUSY, "");
                }
            }
            case BYE -> {
                boolean elsewhere = byeReason(s) == EndReason.REMOTE_CANCELLED
                        && signal.getBye().getReason().equals(CallFork.ANSWERED_ELSEWHERE);
                s.end(elsewhere ? EndReason.ANSWERED_ELSEWHERE : byeReason(s),
                        elsewhere ? "" : PeerText.clean(signal.getBye().getReason()));
            }
            case UPDATE -> s.recovery().onUpdate(signal.getUpdate());
            case REVEAL -> s.keys().revealed(signal.getReveal().getKeyShare().toByteArray(), s::startMedia);
            case HOLD -> s.hold().onPeerHold(signal.getHold().getHeld());
            default -> log.debug("ignoring {} for call {}", signal.getKindCase(), s.id);
        }
    }

    /** What the peer's BYE means here: a missed call while ringing, else the peer hung up. */
    private static EndReason byeReason(CallSession s) {
        return !s.outgoing && (s.phase() instanceof CallPhase.Ringing) ? EndReason.REMOTE_CANCELLED : EndReason.REMOTE_HUNG_UP;
    }
}
