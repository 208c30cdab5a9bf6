package dev.parley.supernode;

import java.time.Duration;

/**
 * Tuning of the super-node mesh (see {@link Mesh}).
 *
 * @param pingInterval period of {@code MeshPing} rounds to every peer in the table (positive);
 *     liveness, gossip and digests are refreshed at this rate
 * @param maxPeers bound on the peer table (≥ 1)
 * @param missedPingsDead consecutive unanswered pings after which a peer counts as dead (≥ 1)
 */
public record MeshSettings(Duration pingInterval, int maxPeers, int missedPingsDead) {
    /** 1 s pings, 256 peers, dead after 3 missed pings. */
    public static final MeshSettings DEFAULTS = new MeshSettings(Duration.ofSeconds(1), 256, 3);

    /** @throws IllegalArgumentException for out-of-range values */
    public MeshSettings {
        SuperNodeConfig.requirePositive(pingInterval, "pingInterval");
        if (maxPeers < 1 || missedPingsDead < 1) {
            throw new IllegalArgumentException(String.format("maxPeers: %d, missedPingsDead: %d (expected: >= 1)",
                    maxPeers, missedPingsDead));
        }
    }

    /** @return a copy with another ping interval */
    public MeshSettings withPingInterval(Duration interval) {
        return new MeshSettings(interval, maxPeers, missedPingsDead);
    }

    /** @return a copy with another table bound */
    public MeshSettings withMaxPeers(int max) {
        return new MeshSettings(pingInterval, max, missedPingsDead);
    }
}
