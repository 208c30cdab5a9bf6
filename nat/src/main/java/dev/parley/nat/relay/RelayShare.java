package dev.parley.nat.relay;

import dev.parley.protocol.RateBucket;

/**
 * The upload bandwidth a relay may use in all, over every allocation (a promoted client's
 * {@code --serve-upload-kbps}; docs/architecture.md "Self-organizing overlay"). Two rules:
 * <ul>
 *   <li><b>Admission:</b> a new allocation is refused while the bytes relayed in the current or
 *       the last full second, plus {@link #CALL_RESERVE_BYTES_PER_S} (one more relayed call), exceed
 *       the share. Allocations that are idle (the call went direct) cost nothing, so the rate
 *       measured, not the number of allocations, decides.</li>
 *   <li><b>Policing:</b> every relayed packet is charged to one token bucket (the share, with a
 *       one-second burst); a packet beyond it is dropped, so existing allocations together never
 *       exceed the share for longer than the burst.</li>
 * </ul>
 * Loop-confined, like the {@link RelayAllocationTable} that owns it.
 */
final class RelayShare {
    /**
     * What one more relayed call is expected to cost, bytes/s: both directions of a 64 kbit/s Opus
     * stream with RTP/UDP/IP headers (about 80 kbit/s each way), 160 kbit/s.
     */
    static final long CALL_RESERVE_BYTES_PER_S = 20_000;
    private static final long WINDOW_MS = 1_000;

    private final long bytesPerSecond;
    private final RateBucket bucket;
    private long windowStartMs;
    private long windowBytes;
    private long lastWindowBytes;

    /** @param bytesPerSecond the share, bytes/s (positive) */
    RelayShare(long bytesPerSecond, long nowMs) {
        this.bytesPerSecond = bytesPerSecond;
        this.bucket = new RateBucket(bytesPerSecond, bytesPerSecond, nowMs);
        this.windowStartMs = nowMs;
    }

    /** @return whether {@code bytes} more may be relayed now (charged if so) */
    boolean take(int bytes, long nowMs) {
        if (bucket.tryTake(bytes, nowMs) > 0) {
            return false;
        }
        roll(nowMs);
        windowBytes += bytes;
        return true;
    }

    /** @return the bytes/s relayed recently: the current or the last full second, whichever is more */
    long recentBytesPerSecond(long nowMs) {
        roll(nowMs);
        return Math.max(windowBytes, lastWindowBytes);
    }

    /** @return whether a new allocation fits: the recent rate plus one call within the share */
    boolean admits(long nowMs) {
        return recentBytesPerSecond(nowMs) + CALL_RESERVE_BYTES_PER_S <= bytesPerSecond;
    }

    private void roll(long nowMs) {
        if (nowMs - windowStartMs >= WINDOW_MS) {
            // The window that just ended is the last one only if it ended less than a window ago.
            lastWindowBytes = nowMs - windowStartMs < 2 * WINDOW_MS ? windowBytes : 0;
            windowBytes = 0;
            windowStartMs = nowMs;
        }
    }
}
