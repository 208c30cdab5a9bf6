package dev.parley.nat.relay;

/**
 * A token bucket counted in bytes, refilled per millisecond: a sustained rate with a bounded
 * burst. Mutable; owned by the relay loop together with its {@link RelayAllocationTable}.
 */
final class ByteRateLimit {
    private final long bytesPerSecond;
    private final long burstBytes;
    /** Available bytes scaled by 1000 (byte-milliseconds per second), so refills stay integral. */
    private long milliBytes;
    private long atMs;

    /**
     * @param bytesPerSecond sustained rate, bytes per second (> 0)
     * @param burstBytes bucket capacity, bytes (> 0); the bucket starts full
     * @param nowMs current time, ms
     */
    ByteRateLimit(long bytesPerSecond, long burstBytes, long nowMs) {
        this.bytesPerSecond = bytesPerSecond;
        this.burstBytes = burstBytes;
        this.milliBytes = burstBytes * 1000;
        this.atMs = nowMs;
    }

    /**
     * Takes {@code bytes} if they fit.
     *
     * @param bytes size of one packet
     * @param nowMs current time, ms (a clock going back is treated as no time passing)
     * @return true if admitted (and taken), false if over the rate (nothing taken)
     */
    boolean tryTake(int bytes, long nowMs) {
        long elapsed = Math.max(0, nowMs - atMs);
        atMs = Math.max(atMs, nowMs);
        milliBytes = Math.min(burstBytes * 1000, milliBytes + elapsed * bytesPerSecond);
        long need = bytes * 1000L;
        if (need > milliBytes) {
            return false;
        }
        milliBytes -= need;
        return true;
    }
}
