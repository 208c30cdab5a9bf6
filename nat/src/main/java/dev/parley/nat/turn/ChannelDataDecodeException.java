package dev.parley.nat.turn;

/** A datagram is not a well-formed ChannelData message (RFC 8656 §12.4); the message names the field. */
public final class ChannelDataDecodeException extends Exception {
    private static final long serialVersionUID = 1L;

    /** @param message field, value and expectation */
    public ChannelDataDecodeException(String message) {
        super(message);
    }
}
