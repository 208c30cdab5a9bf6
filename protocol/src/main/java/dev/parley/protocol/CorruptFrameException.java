package dev.parley.protocol;

import io.netty.handler.codec.CorruptedFrameException;

/** Thrown by {@link FrameDecoder} when a length prefix is not a valid varint32. */
public final class CorruptFrameException extends CorruptedFrameException {
    private static final long serialVersionUID = 1L;

    /** @param message what was wrong with the prefix */
    public CorruptFrameException(String message) {
        super(message);
    }
}
