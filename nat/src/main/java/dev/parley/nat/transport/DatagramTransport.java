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

    /** @return the local address the socket is bound to (may be a wildcard address) */
    InetSocketAddress localAddress();
}
