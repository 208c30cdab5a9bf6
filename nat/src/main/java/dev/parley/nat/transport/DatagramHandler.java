package dev.parley.nat.transport;

import java.net.InetSocketAddress;

/** Receives datagrams from a {@link DatagramTransport}; handlers are asked in order until one consumes. */
@FunctionalInterface
public interface DatagramHandler {
    /**
     * @param from source transport address as seen by this socket
     * @param payload the datagram payload (owned by the callee after the call)
     * @return true if consumed; false to offer it to the next handler
     */
    boolean onDatagram(InetSocketAddress from, byte[] payload);
}
