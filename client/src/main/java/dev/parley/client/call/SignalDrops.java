package dev.parley.client.call;

import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs dropped call signals (forged, replayed, unsealed, for another call) without letting a flood
 * of them flood the log: at most {@value #WARN_PER_MINUTE} warnings a minute, the rest at debug
 * level and counted in the next warning. Signal fields in the message are attacker-chosen, so they
 * are cleaned first (no control characters, bounded). Engine thread only.
 */
final class SignalDrops {
    private static final Logger log = LoggerFactory.getLogger(SignalDrops.class);
    static final int WARN_PER_MINUTE = 10;

    private final LongSupplier nowMs;
    private long windowStartMs;
    private int warned;
    private long suppressed;
    private long total;

    SignalDrops(LongSupplier nowMs) {
        this.nowMs = nowMs;
    }

    /**
     * @param callId the signal's call id, as received
     * @param from the signal's sender, as received
     * @param why what failed
     */
    void drop(String callId, String from, String why) {
        total++;
        long now = nowMs.getAsLong();
        if (total == 1 || now - windowStartMs >= 60_000) {
            windowStartMs = now;
            warned = 0;
        }
        String message = "dropping a signal for call " + PeerText.clean(callId) + " from " + PeerText.clean(from) + ": " + PeerText.clean(why);
        if (warned < WARN_PER_MINUTE) {
            warned++;
            log.warn("{}{}", message, suppressed == 0 ? "" : " (" + suppressed + " more dropped quietly before)");
            suppressed = 0;
        } else {
            suppressed++;
            log.debug(message);
        }
    }

    /** @return warnings logged in the current minute */
    int warnedThisMinute() {
        return warned;
    }

    /** @return signals dropped since the engine started */
    long total() {
        return total;
    }
}
