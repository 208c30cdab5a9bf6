package dev.parley.protocol;

import io.netty.handler.codec.TooLongFrameException;

/** Thrown by {@link FrameDecoder} when a frame's declared length exceeds the configured maximum. */
public final class FrameTooLargeException extends TooLongFrameException {
    private static final long serialVersionUID = 1L;

    /**
     * @param frameBytes declared length of the offending frame, in bytes
     * @param maxFrameBytes the configured maximum, in bytes
     */
    public FrameTooLargeException(long frameBytes, int maxFrameBytes) {
        super(String.format("frameSize: %d (expected: <= %d)", frameBytes, maxFrameBytes));
    }
}
