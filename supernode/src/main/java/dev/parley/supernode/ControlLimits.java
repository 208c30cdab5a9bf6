package dev.parley.supernode;

import java.time.Duration;

/**
 * Abuse limits of a super node's TCP control port and its client sessions (docs/security.md
 * "Super node connection and call-signal limits"). Every limit is always on: the record only
 * accepts positive values.
 *
 * @param connectionsPerAddress open control connections (clients, peer links, TCP relay links) per
 *     source address
 * @param idleTimeout a connection that receives nothing for this long is closed: client sessions
 *     (which send a {@code Keepalive} every minute), peer links, TCP relay links (connections
 *     without a role also have {@link HandshakeHandler#ROLE_TIMEOUT})
 * @param signalsPerS call signals one client session may send per second, sustained
 * @param signalBurst call signals one client session may send at once
 * @param signalSearchesPerS call signals per second, sustained, for which one client session may
 *     make this super node search the mesh (a target neither registered here nor cached)
 * @param signalSearchBurst such signals at once
 * @param maxClients client sessions (devices) registered at once; a registration beyond is refused
 *     {@code SUPER_NODE_FULL} and the client joins another super node from its host cache
 */
public record ControlLimits(int connectionsPerAddress, Duration idleTimeout, int signalsPerS, int signalBurst,
        int signalSearchesPerS, int signalSearchBurst, int maxClients) {
    /** Client sessions a dedicated super node keeps at most: its operator's hardware is the real bound. */
    public static final int DEDICATED_MAX_CLIENTS = 100_000;

    /**
     * Production defaults: 64 connections per address (a NAT with many users, plus their relay
     * links); 5 min idle; 10 signals/s (burst 20) per client, a call needs a handful; 1 mesh search
     * per second (burst 5) per client for signals, a call needs one; {@value #DEDICATED_MAX_CLIENTS} clients.
     */
    public static final ControlLimits DEFAULTS = new ControlLimits(64, Duration.ofMinutes(5), 10, 20, 1, 5);

    /** These limits with {@value #DEDICATED_MAX_CLIENTS} clients at most. */
    public ControlLimits(int connectionsPerAddress, Duration idleTimeout, int signalsPerS, int signalBurst,
            int signalSearchesPerS, int signalSearchBurst) {
        this(connectionsPerAddress, idleTimeout, signalsPerS, signalBurst, signalSearchesPerS, signalSearchBurst,
                DEDICATED_MAX_CLIENTS);
    }

    /** @throws IllegalArgumentException unless every limit is positive */
    public ControlLimits {
        SuperNodeConfig.requirePositive(idleTimeout, "idleTimeout");
        positive("connectionsPerAddress", connectionsPerAddress);
        positive("signalsPerS", signalsPerS);
        positive("signalBurst", signalBurst);
        positive("signalSearchesPerS", signalSearchesPerS);
        positive("signalSearchBurst", signalSearchBurst);
        positive("maxClients", maxClients);
    }

    /** @return a copy with another per-address connection cap (bot fleets and load tests on one host) */
    public ControlLimits withConnectionsPerAddress(int connections) {
        return new ControlLimits(connections, idleTimeout, signalsPerS, signalBurst, signalSearchesPerS, signalSearchBurst,
                maxClients);
    }

    /** @return a copy with another idle timeout */
    public ControlLimits withIdleTimeout(Duration timeout) {
        return new ControlLimits(connectionsPerAddress, timeout, signalsPerS, signalBurst, signalSearchesPerS,
                signalSearchBurst, maxClients);
    }

    /** @return a copy with other per-client call-signal limits */
    public ControlLimits withSignalLimits(int perS, int burst, int searchesPerS, int searchBurst) {
        return new ControlLimits(connectionsPerAddress, idleTimeout, perS, burst, searchesPerS, searchBurst, maxClients);
    }

    /** @return a copy with another cap on client sessions (a promoted client's {@code --serve-max-clients}) */
    public ControlLimits withMaxClients(int clients) {
        return new ControlLimits(connectionsPerAddress, idleTimeout, signalsPerS, signalBurst, signalSearchesPerS,
                signalSearchBurst, clients);
    }

    private static void positive(String name, int value) {
        if (value < 1) {
            throw new IllegalArgumentException(String.format("%s: %d (expected: >= 1)", name, value));
        }
    }
}
