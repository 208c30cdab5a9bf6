package dev.parley.protocol;

/**
 * A token bucket: {@code perSecond} tokens refill per second, at most {@code capacity} are stored,
 * and it starts full. One mutable bucket has one owner (a connection's or a socket's event loop);
 * time is passed in, so tests drive it with an injected clock. Used for requests per client
 * (tokens = requests) and bytes per relay party (tokens = bytes).
 */
public final class RateBucket {
    private final double perMs;
    private final double capacity;
    private double tokens;
    private long atMs;

    /**
     * @param perSecond sustained rate, tokens per second (> 0)
     * @param capacity bucket size, tokens (> 0)
     * @param nowMs current time, ms
     * @throws IllegalArgumentException if the rate or capacity is not positive
     */
    public RateBucket(double perSecond, double capacity, long nowMs) {
        if (!(perSecond > 0) || !(capacity > 0)) {
            throw new IllegalArgumentException(String.format("rateBucket: %s/s, capacity %s (expected: both > 0)",
                    perSecond, capacity));
        }
        this.perMs = perSecond / 1000;
        this.capacity = capacity;
        this.tokens = capacity;
        this.atMs = nowMs;
    }

    /**
     * Takes {@code amount} tokens if they are there.
     *
     * @param amount tokens wanted (e.g. 1 request, or a packet's bytes)
     * @param nowMs current time, ms (a clock going back counts as no time passing)
     * @return 0 if taken; else the ms until {@code amount} will be there (at least 1), nothing taken
     */
    public long tryTake(double amount, long nowMs) {
        if (nowMs > atMs) {
            tokens = Math.min(capacity, tokens + (nowMs - atMs) * perMs);
            atMs = nowMs;
        }
        if (tokens >= amount) {
            tokens -= amount;
            return 0;
        }
        return Math.max(1, (long) Math.ceil((amount - tokens) / perMs - 1e-9)); // 1e-9: rounding, not a wait
    }
}
