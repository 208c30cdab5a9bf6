package dev.parley.codec.rtp;

import java.io.Serial;

/**
 * A datagram is not a well-formed packet of the expected kind. Messages name the field, the
 * observed value and the expectation, e.g. {@code "rtpPacket: 7 bytes (expected: >= 12)"}.
 */
public final class MalformedPacketException extends Exception {
    @Serial
    private static final long serialVersionUID = 1L;

    /** @param message field, observed value and expectation */
    public MalformedPacketException(String message) {
        super(message);
    }
}
