package dev.parley.nat.ice;

import dev.parley.nat.stun.StunClient;
import dev.parley.nat.transport.DatagramTransport;

/**
 * Timings of {@link ConnectivityChecks}.
 *
 * @param paceMs Ta, interval between new checks (RFC 8445 §14.2: 50 ms default; 20 ms fine for one stream)
 * @param checkTiming retransmissions of one check
 * @param nominationDelayMs controlling side: wait after the first success for better pairs (none when
 *     the succeeded pair already has the highest priority of all pairs in play)
 * @param deadlineMs give up (IceFailedException) when nothing was selected by then
 * @param consentIntervalMs mean interval of consent checks (RFC 7675 §5.1: 5 s, randomized ±20 %)
 * @param consentTimeoutMs consent lost after this long without a response (RFC 7675: 30 s)
 * @param lowTtl IP TTL of the controlled agent's first checks to a NATed peer, 1..255: 3 passes up
 *     to two NATs of ours (home router, carrier-grade NAT) and dies at the next router
 * @param lowTtlMaxMs the low-TTL phase ends after this long without a check from the peer, ms
 */
public record CheckConfig(long paceMs, StunClient.Timing checkTiming, long nominationDelayMs, long deadlineMs,
        long consentIntervalMs, long consentTimeoutMs, int lowTtl, long lowTtlMaxMs) {
    /** Default {@link #lowTtl}. */
    public static final int DEFAULT_LOW_TTL = 3;
    /** Default {@link #lowTtlMaxMs}: more than the callee's usual head start (the answer's trip to the caller). */
    public static final long DEFAULT_LOW_TTL_MAX_MS = 500;
    /** Defaults: Ta 20 ms, checks at RTO 100 ms ×6, nominate 60 ms after first success, 10 s deadline, consent 5 s / 30 s, low TTL 3 for ≤ 500 ms. */
    public static final CheckConfig DEFAULTS = new CheckConfig(20, new StunClient.Timing(100, 6, 8), 60, 10_000, 5_000, 30_000);

    /** @throws IllegalArgumentException if {@code lowTtl} is outside 1..255 or {@code lowTtlMaxMs} is negative */
    public CheckConfig {
        DatagramTransport.checkTtl(lowTtl);
        if (lowTtlMaxMs < 0) {
            throw new IllegalArgumentException("lowTtlMaxMs: %d (expected: >= 0)".formatted(lowTtlMaxMs));
        }
    }

    /** The given timings with the default low-TTL phase. */
    public CheckConfig(long paceMs, StunClient.Timing checkTiming, long nominationDelayMs, long deadlineMs,
            long consentIntervalMs, long consentTimeoutMs) {
        this(paceMs, checkTiming, nominationDelayMs, deadlineMs, consentIntervalMs, consentTimeoutMs, DEFAULT_LOW_TTL,
                DEFAULT_LOW_TTL_MAX_MS);
    }
}
