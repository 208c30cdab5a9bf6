package dev.parley.client.call;

import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The engine's calls (call waiting), on its thread: the current call; an incoming call that rings
 * while the current one is established ("waiting"); and a call on hold in the background, after
 * the user answered a waiting call by holding the current one ("held"). At most one of each: a
 * further INVITE is answered BUSY.
 */
final class CallSlots {
    private @Nullable CallSession current;
    private @Nullable CallSession waiting;
    private @Nullable CallSession held;

    @Nullable CallSession current() {
        return current;
    }

    @Nullable CallSession waiting() {
        return waiting;
    }

    @Nullable CallSession held() {
        return held;
    }

    /** @return the call with this id in any slot, none if there is no such call */
    @Nullable CallSession byId(String callId) {
        for (CallSession s : all()) {
            if (s.id.equals(callId)) {
                return s;
            }
        }
        return null;
    }

    /** @return every call, current first */
    List<CallSession> all() {
        List<CallSession> all = new ArrayList<>(3);
        for (CallSession s : new CallSession[] {current, waiting, held}) {
            if (s != null) {
                all.add(s);
            }
        }
        return all;
    }

    /** @return true if a new incoming call may ring as a waiting call: the current one is established, no other waits or is held */
    boolean canWait() {
        return current != null && current.mediaStarted() && waiting == null && held == null;
    }

    /** {@code s} is the current call. */
    void setCurrent(CallSession s) {
        current = s;
    }

    /** {@code s} rings while the current call goes on. */
    void setWaiting(CallSession s) {
        waiting = s;
    }

    /** The waiting call was answered: the current call (held by the caller of this) moves to the background. */
    void promoteWaiting() {
        if (current != null) {
            held = current;
        }
        current = waiting;
        waiting = null;
    }

    /** The held call comes back to the front (no current call). */
    void resumeHeld() {
        current = held;
        held = null;
    }

    /** {@code s} ended: its slot is free. */
    void ended(CallSession s) {
        if (current == s) {
            current = null;
        }
        if (waiting == s) {
            waiting = null;
        }
        if (held == s) {
            held = null;
        }
    }
}
