package dev.parley.client.call;

import dev.parley.nat.transport.TaskScheduler;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a call does when the peer's super node says the peer's control connection dropped
 * (docs/protocol.md "Peer gone"). The notice is not end-to-end (only the peer can seal a BYE), so
 * it ends the call only when media says the same: at once when no media flows from the peer (not
 * connected yet, held, or silent for {@value #SILENT_MS} ms), else as soon as the peer's media stops
 * within {@value #GRACE_MS} ms (checked every {@value #CHECK_MS} ms). A peer whose media still
 * flows after that (its super node died, not the peer) keeps its call. On the engine's thread.
 */
final class PeerLoss {
    private static final Logger log = LoggerFactory.getLogger(PeerLoss.class);
    /** How long the peer's media may go on before the notice is believed anyway: its super node may just have died. */
    static final long GRACE_MS = 2000;
    /** No RTP from the peer for this long: its media has stopped. */
    static final long SILENT_MS = 600;
    /** How often the peer's media is checked during the grace. */
    static final long CHECK_MS = 100;

    private final CallSession call;
    private TaskScheduler.@Nullable Cancellable timer;

    PeerLoss(CallSession call) {
        this.call = call;
    }

    /** The peer's super node says its connection dropped. */
    void notice() {
        if (call.ended() || timer != null) {
            return;
        }
        if (!mediaFlows()) {
            end();
            return;
        }
        log.info("call {}: {}'s super node lost {}, but its media still flows; watching it for {} ms",
                call.id, call.peer, call.peer, GRACE_MS);
        check(call.now() + GRACE_MS);
    }

    private void check(long untilMs) {
        timer = call.scheduler().schedule(() -> {
            timer = null;
            if (call.ended()) {
                return;
            }
            if (!mediaFlows()) {
                end();
            } else if (call.now() < untilMs) {
                check(untilMs);
            } else {
                log.info("call {}: {}'s media goes on: the call stays", call.id, call.peer);
            }
        }, CHECK_MS);
    }

    private boolean mediaFlows() {
        if (!call.expectsMedia()) {
            return false;
        }
        long silentMs = call.media().msSinceLastPacket();
        return silentMs >= 0 && silentMs < SILENT_MS;
    }

    private void end() {
        call.end(EndReason.PEER_LOST, "");
    }

    /** The call ended: no more checks. */
    void stop() {
        if (timer != null) {
            timer.cancel();
            timer = null;
        }
    }
}
