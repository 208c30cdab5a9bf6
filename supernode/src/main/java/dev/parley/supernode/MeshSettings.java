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
 */
public record MeshSettings(Duration pingInterval, int maxPeers, int missedPingsDead, Duration pingTimeout) {
    /** 1 s pings, 256 peers, dead after 3 missed pings, 1 s ping timeout. */
    public static final MeshSettings DEFAULTS = new MeshSettings(Duration.ofSeconds(1), 256, 3, Duration.ofSeconds(1));

    /** @throws IllegalArgumentException for out-of-range values */
    public MeshSettings {
        SuperNodeConfig.requirePositive(pingInterval, "pingInterval");
        SuperNodeConfig.requirePositive(pingTimeout, "pingTimeout");
        if (maxPeers < 1 || missedPingsDead < 1) {
            throw new IllegalArgumentException(String.format("maxPeers: %d, missedPingsDead: %d (expected: >= 1)",
                    maxPeers, missedPingsDead));
        }
    }

    /** @return a copy with another ping interval */
    public MeshSettings withPingInterval(Duration interval) {
        return new MeshSettings(interval, maxPeers, missedPingsDead, pingTimeout);
    }

    /** @return a copy with another ping timeout */
    public MeshSettings withPingTimeout(Duration timeout) {
        return new MeshSettings(pingInterval, maxPeers, missedPingsDead, timeout);
    }

    /** @return a copy with another table bound */
    public MeshSettings withMaxPeers(int max) {
        return new MeshSettings(pingInterval, max, missedPingsDead, pingTimeout);
    }
}
