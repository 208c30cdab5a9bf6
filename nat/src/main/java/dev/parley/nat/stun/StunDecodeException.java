package dev.parley.nat.stun;

/**
 * A datagram is not a valid STUN message (RFC 8489 §6.3: such packets are silently discarded by
 * transports that share the socket). The message names the field, e.g.
 * {@code "stunMessage: 7 bytes (expected: >= 20)"}.
 */
public final class StunDecodeException extends Exception {
    private static final long serialVersionUID = 1L;

    /** @param message field, value and expectation */
    public StunDecodeException(String message) {
        super(message);
    }
}
