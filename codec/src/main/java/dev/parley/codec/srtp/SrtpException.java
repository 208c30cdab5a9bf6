package dev.parley.codec.srtp;

import java.io.Serial;

/**
 * A received SRTP or SRTCP packet was dropped; the only exception unprotecting throws for hostile
 * input. It carries no stack trace: a flood of forged packets should cost the receiver little.
 */
public final class SrtpException extends Exception {
    @Serial
    private static final long serialVersionUID = 1L;
    private final SrtpDropReason reason;

    /**
     * @param reason the counted drop reason
     * @param message field, observed value and expectation, e.g. {@code "srtpPacket: 20 bytes (expected: >= 28)"}
     */
    public SrtpException(SrtpDropReason reason, String message) {
        super(reason + ": " + message, null, false, false);
        this.reason = reason;
    }

    /** @return why the packet was dropped */
    public SrtpDropReason reason() {
        return reason;
    }
}
