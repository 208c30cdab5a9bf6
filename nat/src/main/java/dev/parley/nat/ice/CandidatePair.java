package dev.parley.nat.ice;

/**
 * A local and a remote candidate (RFC 8445 §6.1.2). Since all local candidates share one socket,
 * checks always leave from the host base; the local candidate only enters the pair priority.
 *
 * @param local local candidate (host)
 * @param remote remote candidate
 */
public record CandidatePair(Candidate local, Candidate remote) {
    /**
     * RFC 8445 §6.1.2.3: 2^32·MIN(G,D) + 2·MAX(G,D) + (G &gt; D ? 1 : 0), where G is the
     * priority of the controlling agent's candidate and D the controlled agent's.
     *
     * @param controlling whether the local agent is controlling
     * @return the pair priority as an unsigned 64-bit value: compare with {@link Long#compareUnsigned}
     */
    public long priority(boolean controlling) {
        long g = controlling ? local.priority() : remote.priority();
        long d = controlling ? remote.priority() : local.priority();
        return pairPriority(g, d);
    }

    /** @return 2^32·MIN(G,D) + 2·MAX(G,D) + (G &gt; D ? 1 : 0), unsigned 64-bit */
    public static long pairPriority(long g, long d) {
        return (Math.min(g, d) << 32) + 2 * Math.max(g, d) + (g > d ? 1 : 0);
    }
}
