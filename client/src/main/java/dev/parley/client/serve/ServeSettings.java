package dev.parley.client.serve;

/**
 * Whether and how a client serves as a super node when the login server promotes it. The caps are
 * stated to the login server in the offer ({@code ServeOffer}).
 *
 * @param enabled offer to serve ({@code --no-supernode} turns it off)
 * @param port TCP and UDP port to serve on; 0 picks a free one
 * @param maxClients clients served at most (stated)
 * @param maxRelayAllocations media relay allocations at most (stated)
 * @param bandwidthShareKbps upload bandwidth given to serving, kbit/s (stated)
 */
public record ServeSettings(boolean enabled, int port, int maxClients, int maxRelayAllocations, int bandwidthShareKbps) {
    /** Serving on a chosen port: 300 clients, 200 relay allocations, 2,000 kbit/s. */
    public static final ServeSettings DEFAULTS = new ServeSettings(true, 0, 300, 200, 2_000);
    /** Never serving ({@code --no-supernode}). */
    public static final ServeSettings OFF = new ServeSettings(false, 0, 0, 0, 0);

    /** @throws IllegalArgumentException for a port outside 0..65535 or a negative cap */
    public ServeSettings {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException(String.format("serve port: %d (expected: 0..65535)", port));
        }
        if (maxClients < 0 || maxRelayAllocations < 0 || bandwidthShareKbps < 0) {
            throw new IllegalArgumentException("serve caps: negative (expected: >= 0)");
        }
    }

    /** @return a copy serving on {@code servePort} (0: chosen) */
    public ServeSettings withPort(int servePort) {
        return new ServeSettings(enabled, servePort, maxClients, maxRelayAllocations, bandwidthShareKbps);
    }
}
