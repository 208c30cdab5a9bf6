package dev.parley.protocol;

import dev.parley.protocol.wire.ErrorCode;

/** A request failed with a protocol {@link ErrorCode}; the message is meant for the user. */
public final class ProtocolException extends Exception {
    private static final long serialVersionUID = 1L;
    private final ErrorCode code;

    /**
     * @param code the error code carried on the wire
     * @param message human-readable explanation
     */
    public ProtocolException(ErrorCode code, String message) {
        super(message);
        this.code = code;
    }

    /** @return the error code */
    public ErrorCode code() {
        return code;
    }
}
