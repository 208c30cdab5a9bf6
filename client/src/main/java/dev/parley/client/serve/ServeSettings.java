package dev.parley.client.serve;

/**
 * Whether and how a client serves as a super node when the login server promotes it. The caps are
 * stated to the login server in the offer ({@code ServeOffer}) and enforced by the super node the
 * client then runs (docs/architecture.md "Self-organizing overlay"): registrations beyond
 * {@code maxClients} are refused {@code SUPER_NODE_FULL}, relay allocations beyond
 * {@code maxRelayAllocations} or near {@code bandwidthShareKbps} of relayed traffic are refused
 * {@code RATE_LIMITED}, and relayed packets beyond the share are dropped. The share is also the
 * rate of the upload burst the login server measures before promoting.
 *
 * @param enabled offer to serve ({@code --no-supernode} turns it off)
 * @param port TCP and UDP port to serve on; 0 picks a free one
 * @param maxClients client sessions registered at most ({@code --serve-max-clients})
 * @param maxRelayAllocations media relay allocations at most ({@code --serve-max-relays})
 * @param bandwidthShareKbps upload given to serving (relayed media), kbit/s ({@code --serve-upload-kbps})
 */
public record ServeSettings(boolean enabled, int port, int maxClients, int maxRelayAllocations, int bandwidthShareKbps) {
    /**
     * A home host's defaults: 500 clients (the login server aims at 300 per super node; the rest is
     * headroom for an uneven spread and a failed neighbour's clients), 32 relay allocations (most
     * calls go direct: an allocation that carries nothing costs nothing), 2,000 kbit/s of upload
     * (about 12 relayed calls at 160 kbit/s each).
     */
    public static final ServeSettings DEFAULTS = new ServeSettings(true, 0, 500, 32, 2_000);
    /** Never serving ({@code --no-supernode}). */
    public static final ServeSettings OFF = new ServeSettings(false, 0, 0, 0, 0);

    /** @throws IllegalArgumentException for a port outside 0..65535, or a cap below 1 while enabled */
    public ServeSettings {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException(String.format("serve port: %d (expected: 0..65535)", port));
        }
        int least = enabled ? 1 : 0;
        if (maxClients < least || maxRelayAllocations < least || bandwidthShareKbps < least) {
            throw new IllegalArgumentException(String.format("serve caps: %d clients, %d relays, %d kbit/s (expected: >= %d each)",
                    maxClients, maxRelayAllocations, bandwidthShareKbps, least));
        }
    }

    /** @return a copy serving on {@code servePort} (0: chosen) */
    public ServeSettings withPort(int servePort) {
        return new ServeSettings(enabled, servePort, maxClients, maxRelayAllocations, bandwidthShareKbps);
    }

    /** @return a copy with these caps (each at least 1) */
    public ServeSettings withCaps(int clients, int relayAllocations, int shareKbps) {
        return new ServeSettings(enabled, port, clients, relayAllocations, shareKbps);
    }
}
