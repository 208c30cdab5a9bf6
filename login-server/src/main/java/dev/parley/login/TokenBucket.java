package dev.parley.login;

/**
 * Immutable token-bucket state: {@code tokens} available at {@code atNanos}.
 *
 * @param tokens tokens available (0..capacity)
 * @param atNanos when {@code tokens} was computed, clock nanoseconds
 */
record TokenBucket(double tokens, long atNanos) {
    /** @return a full bucket at {@code nowNanos} */
    static TokenBucket full(int capacity, long nowNanos) {
        return new TokenBucket(capacity, nowNanos);
    }

    /** @return this bucket refilled at {@code perSecond} up to {@code capacity}, as of {@code nowNanos} */
    TokenBucket refill(int capacity, double perSecond, long nowNanos) {
        long elapsed = Math.max(0, nowNanos - atNanos);
        return new TokenBucket(Math.min(capacity, tokens + elapsed * perSecond / 1e9), Math.max(atNanos, nowNanos));
    }

    /** @return whether a whole token is available */
    boolean hasToken() {
        return tokens >= 1;
    }

    /** @return this bucket with one token taken (call only if {@link #hasToken()}) */
    TokenBucket take() {
        return new TokenBucket(tokens - 1, atNanos);
    }

    /** @return nanoseconds until a whole token is available at {@code perSecond} (0 if one is) */
    long nanosUntilToken(double perSecond) {
        return hasToken() ? 0 : (long) Math.ceil((1 - tokens) * 1e9 / perSecond);
    }
}
