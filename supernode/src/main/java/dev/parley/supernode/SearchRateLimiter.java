package dev.parley.supernode;

import java.time.InstantSource;

/**
 * A token bucket limiting one client's searches (or call signals, or the mesh searches its call
 * signals cause): {@code ratePerS} tokens per second, at most {@code burst} stored; each request
 * takes one. Time comes from the injected clock, so tests are
 * exact. Confined to the client's connection event loop (not thread-safe).
 */
final class SearchRateLimiter {
    private final InstantSource clock;
    private final double ratePerMs;
    private final int burst;
    private double tokens;
    private long lastMs;

    /**
     * @param clock time source
     * @param ratePerS sustained searches per second (positive)
     * @param burst bucket size (positive)
     */
    SearchRateLimiter(InstantSource clock, int ratePerS, int burst) {
        this.clock = clock;
        this.ratePerMs = ratePerS / 1000.0;
        this.burst = burst;
        this.tokens = burst;
        this.lastMs = clock.millis();
    }

    /** @return 0 if a search may run now (a token is taken), else the milliseconds until one may */
    long tryAcquire() {
        long now = clock.millis();
        if (now > lastMs) {
            tokens = Math.min(burst, tokens + (now - lastMs) * ratePerMs);
            lastMs = now;
        }
        if (tokens >= 1) {
            tokens -= 1;
            return 0;
        }
        return Math.max(1, (long) Math.ceil((1 - tokens) / ratePerMs));
    }
}
