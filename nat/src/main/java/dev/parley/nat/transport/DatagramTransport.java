package dev.parley.nat.transport;

import java.net.InetSocketAddress;

/**
 * One local UDP socket as the NAT code sees it. Implementations: {@link UdpEndpoint} (Netty,
 * real sockets) and simulated networks in tests. All calls happen on the owner's single thread
 * (the Netty event loop, or the simulation's thread).
 */
public interface DatagramTransport {
    /**
     * Sends one datagram; best effort (UDP), errors are logged, never thrown.
     *
     * @param to destination (resolved)
     * @param payload bytes (not retained after the call)
     */
    void send(InetSocketAddress to, byte[] payload);

    /**
     * Sends one datagram whose IP TTL (IPv6: hop limit) is limited to {@code ttl}, so that it dies
     * a few routers away (RFC 791 §3.2); later datagrams leave with the default TTL again. Used for
     * the first connectivity checks (docs/nat.md, "The conntrack quirk"). Best effort like
     * {@link #send}; if the TTL cannot be set at the moment of sending, the datagram leaves with the
     * default TTL.
     *
     * @param to destination (resolved)
     * @param payload bytes (not retained after the call)
     * @param ttl 1..255
     * @return false if this transport cannot limit the TTL at all (e.g. not Linux); then nothing was sent
     * @throws IllegalArgumentException if {@code ttl} is outside 1..255
     */
    default boolean sendWithTtl(InetSocketAddress to, byte[] payload, int ttl) {
        checkTtl(ttl);
        return false;
    }

    /**
     * @param ttl an IP TTL
     * @throws IllegalArgumentException if {@code ttl} is outside 1..255
     */
    static void checkTtl(int ttl) {
        if (ttl < 1 || ttl > 255) {
            throw new IllegalArgumentException("ttl: %d (expected: 1..255)".formatted(ttl));
        }
    }

    /** @return the local address the socket is bound to (may be a wildcard address) */
    InetSocketAddress localAddress();
}
