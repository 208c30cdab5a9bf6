package dev.parley.client.call;

import dev.parley.protocol.wire.Hold;
import java.util.concurrent.CompletableFuture;

/**
 * Mute and hold of one call (docs/protocol.md "Hold"), on the engine's thread. Mute is local: the
 * media sends silence. Hold stops RTP both ways (RTCP goes on, so the path stays checked): the
 * holder tells the peer with a sealed {@code Hold} signal, and the held side stops sending too (as
 * a SIP peer answers sendonly with recvonly), so the holder hears nothing from a call in the
 * background and neither watchdog takes the silence for a lost path. Either side may hold; media
 * flows again only when neither does.
 */
final class CallHold {
    private final CallSession call;
    private boolean muted;
    private boolean heldHere;
    private boolean heldThere;

    CallHold(CallSession call) {
        this.call = call;
    }

    /** @return true while either side holds the call */
    boolean held() {
        return heldHere || heldThere;
    }

    /** @return true while we hold the call */
    boolean heldHere() {
        return heldHere;
    }

    /** @return true while the peer holds the call */
    boolean heldThere() {
        return heldThere;
    }

    /** @return true while our audio is muted */
    boolean muted() {
        return muted;
    }

    /** Mutes (sends silence) or unmutes our audio; the peer is not told (it hears silence). */
    void mute(boolean on) {
        muted = on;
        if (call.media() != null) {
            call.media().mute(on);
        }
    }

    /**
     * Holds or resumes the call: our media stops or restarts and the peer is told.
     *
     * @return completes when the super node took the signal; at once if nothing changed
     */
    CompletableFuture<Void> hold(boolean on) {
        if (on == heldHere || call.ended()) {
            return CompletableFuture.completedFuture(null);
        }
        boolean wasHeld = held();
        heldHere = on;
        changed(wasHeld);
        call.listener().onHold(call.id, call.peer, heldHere, heldThere);
        return call.send(b -> b.setHold(Hold.newBuilder().setHeld(on)));
    }

    /** The peer held or resumed the call. */
    void onPeerHold(boolean on) {
        if (on == heldThere) {
            return;
        }
        boolean wasHeld = held();
        heldThere = on;
        changed(wasHeld);
        call.listener().onHold(call.id, call.peer, heldHere, heldThere);
    }

    /** Media stops or restarts with the hold; when it restarts, the watchdog's silence count starts again now. */
    private void changed(boolean wasHeld) {
        if (call.media() != null) {
            call.media().hold(held());
        }
        if (wasHeld && !held()) {
            call.recovery().mediaResumed();
        }
    }
}
