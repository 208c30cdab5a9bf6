package dev.parley.codec.opus;

import java.io.Serial;
import org.jspecify.annotations.Nullable;

/**
 * A libopus call failed or the native library could not be loaded. The message carries the call,
 * the libopus error code and its {@code opus_strerror} text, e.g.
 * {@code "opus_decode: -4 (corrupted stream)"}.
 */
public final class OpusException extends RuntimeException {
    @Serial
    private static final long serialVersionUID = 1L;

    private final int errorCode;

    /**
     * @param message   human-readable description
     * @param errorCode the negative libopus error code, or 0 when not from a libopus call
     * @param cause     underlying cause, if any
     */
    public OpusException(String message, int errorCode, @Nullable Throwable cause) {
        super(message, cause);
        this.errorCode = errorCode;
    }

    /** The libopus error code (e.g. -4 = OPUS_INVALID_PACKET), or 0 if the failure was not a libopus return value. */
    public int errorCode() {
        return errorCode;
    }
}
