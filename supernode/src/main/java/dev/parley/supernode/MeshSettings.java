package dev.parley.supernode;

import java.time.Duration;

/**
 * Tuning of the super-node mesh (see {@link Mesh}).
 *
 * @param pingInterval period of {@code MeshPing} rounds to every peer in the table (positive);
 *     liveness, gossip and digests are refreshed at this rate
 * @param maxPeers bound on the peer table (≥ 1)
 * @param missedPingsDead consecutive unanswered pings after which a peer counts as dead (≥ 1)
 * @param pingTimeout how long a ping may take to be answered (positive); generous, as a busy peer
 *     is slow rather than dead
 * @param digestPushDelay least time between two pushes of this super node's digest to every live
 *     peer ({@code DigestUpdate}); a change after a quiet spell is pushed at once, changes within
 *     the delay share the next push. {@link Duration#ZERO}: never push, peers learn digests from
 *     pings only
 * @param digestLease how long a peer's digest counts as current after the peer last confirmed it
 *     (a pong, a push or a lookup answer): within it, a search trusts the digest's "no" and does not
 *     ask that peer; after it, the peer is asked like one without a digest. Pushes and pongs
 *     replace an out-of-date digest long before; the lease bounds trust in a peer gone silent. Must
 *     exceed a few times the time to ping every peer once (4 s at 100 peers with the defaults), so
 *     that a few slow pongs of a busy mesh do not turn every search into blind expansion (positive)
 */
public record MeshSettings(Duration pingInterval, int maxPeers, int missedPingsDead, Duration pingTimeout,
        Duration digestPushDelay, Duration digestLease) {
    /** 1 s pings, 256 peers, dead after 3 missed pings, 1 s ping timeout, digest pushes ≥ 200 ms apart, 30 s digest lease. */
    public static final MeshSettings DEFAULTS = new MeshSettings(Duration.ofSeconds(1), 256, 3, Duration.ofSeconds(1),
            Duration.ofMillis(200), Duration.ofSeconds(30));

    /** @throws IllegalArgumentException for out-of-range values */
    public MeshSettings {
        SuperNodeConfig.requirePositive(pingInterval, "pingInterval");
        SuperNodeConfig.requirePositive(pingTimeout, "pingTimeout");
        SuperNodeConfig.requirePositive(digestLease, "digestLease");
        if (digestPushDelay.isNegative()) {
            throw new IllegalArgumentException("digestPushDelay: " + digestPushDelay + " (expected: >= 0)");
        }
        if (maxPeers < 1 || missedPingsDead < 1) {
            throw new IllegalArgumentException(String.format("maxPeers: %d, missedPingsDead: %d (expected: >= 1)",
                    maxPeers, missedPingsDead));
        }
    }

    /** @return a copy with another ping interval */
    public MeshSettings withPingInterval(Duration interval) {
        return new MeshSettings(interval, maxPeers, missedPingsDead, pingTimeout, digestPushDelay, digestLease);
    }

    /** @return a copy with another ping timeout */
    public MeshSettings withPingTimeout(Duration timeout) {
        return new MeshSettings(pingInterval, maxPeers, missedPingsDead, timeout, digestPushDelay, digestLease);
    }

    /** @return a copy with another table bound */
    public MeshSettings withMaxPeers(int max) {
        return new MeshSettings(pingInterval, max, missedPingsDead, pingTimeout, digestPushDelay, digestLease);
    }

    /** @return a copy with other digest push delay ({@link Duration#ZERO}: never) and digest lease */
    public MeshSettings withDigests(Duration pushDelay, Duration lease) {
        return new MeshSettings(pingInterval, maxPeers, missedPingsDead, pingTimeout, pushDelay, lease);
    }
}
