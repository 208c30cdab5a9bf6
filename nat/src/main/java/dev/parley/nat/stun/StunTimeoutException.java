package dev.parley.nat.stun;

import java.net.InetSocketAddress;

/** A STUN transaction got no valid response after all retransmissions (RFC 8489 §6.2.1). */
public final class StunTimeoutException extends Exception {
    private static final long serialVersionUID = 1L;

    /**
     * @param server where the requests went
     * @param transmissions how many were sent
     * @param elapsedMs from the first transmission to giving up
     */
    public StunTimeoutException(InetSocketAddress server, int transmissions, long elapsedMs) {
        super(String.format("stun %s:%d: no response after %d requests in %d ms",
                server.getAddress() != null ? server.getAddress().getHostAddress() : server.getHostString(),
                server.getPort(), transmissions, elapsedMs));
    }
}
