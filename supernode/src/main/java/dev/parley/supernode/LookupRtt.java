package dev.parley.supernode;

/**
 * Smoothed round-trip time of mesh lookups and its variation, in ms (RFC 6298 §2: α = 1/8,
 * β = 1/4), from which a search's wave timeout follows. Not thread-safe: the mesh loop owns it.
 */
final class LookupRtt {
    private double srttMs = -1;
    private double rttVarMs;

    /** Adds the round trip of one answered lookup, in ms. */
    void sample(double ms) {
        if (srttMs < 0) {
            srttMs = ms;
            rttVarMs = ms / 2;
        } else {
            rttVarMs = 0.75 * rttVarMs + 0.25 * Math.abs(srttMs - ms);
            srttMs = 0.875 * srttMs + 0.125 * ms;
        }
    }

    /**
     * @param minMs the timeout before any sample, and the least ever
     * @param maxMs the most ever
     * @return SRTT + 4 × RTTVAR within [minMs, maxMs], in ms
     */
    long timeoutMs(long minMs, long maxMs) {
        long rto = srttMs < 0 ? minMs : Math.round(srttMs + 4 * rttVarMs);
        return Math.max(minMs, Math.min(rto, maxMs));
    }
}
