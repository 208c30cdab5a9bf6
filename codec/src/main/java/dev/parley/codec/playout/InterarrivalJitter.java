package dev.parley.codec.playout;

import dev.parley.codec.AudioFormats;

/**
 * RFC 3550 §6.4.1 interarrival jitter: the smoothed mean deviation of the packet spacing at the
 * receiver from the spacing at the sender, J += (|D(i-1,i)| - J) / 16, in RTP timestamp units
 * (48 kHz). Transit times use 32-bit modular arithmetic (RFC 3550 A.8), so timestamp wrap is harmless.
 * Not thread-safe: owned by its jitter buffer.
 */
final class InterarrivalJitter {
    private boolean transitValid;
    private int lastTransit;
    private double jitter;

    /**
     * @param rtpTimestamp the packet's RTP timestamp (48 kHz units)
     * @param arrivalMs its arrival time on the receiver's clock, in ms
     */
    void update(long rtpTimestamp, long arrivalMs) {
        int arrival = (int) (arrivalMs * AudioFormats.SAMPLES_PER_MS);
        int transit = arrival - (int) rtpTimestamp;
        if (transitValid) {
            int d = Math.abs(transit - lastTransit);
            jitter += (d - jitter) / 16.0;
        }
        lastTransit = transit;
        transitValid = true;
    }

    /** Forgets the last transit time (new stream); the estimate itself carries on. */
    void reset() {
        transitValid = false;
    }

    /** @return the jitter in RTP timestamp units (48 kHz samples) */
    double timestampUnits() {
        return jitter;
    }

    /** @return the jitter in ms */
    double ms() {
        return jitter / AudioFormats.SAMPLES_PER_MS;
    }
}
