package dev.parley.codec.audio;

import dev.parley.codec.AudioFormats;
import java.util.Arrays;

/**
 * Records frames into memory (for tests and quality metrics). Thread-safe: written by the media
 * thread, read from any thread. Writes after close are ignored.
 */
public final class PcmBufferSink implements AudioSink {
    private short[] pcm = new short[AudioFormats.FRAME_SAMPLES * 256];
    private int length;
    private boolean closed;

    @Override
    public synchronized void write(short[] frame960) {
        Frames.checkFrame(frame960);
        if (closed) {
            return;
        }
        if (length + frame960.length > pcm.length) {
            pcm = Arrays.copyOf(pcm, Math.max(pcm.length * 2, length + frame960.length));
        }
        System.arraycopy(frame960, 0, pcm, length, frame960.length);
        length += frame960.length;
    }

    /** @return a copy of everything recorded so far (48 kHz mono) */
    public synchronized short[] samples() {
        return Arrays.copyOf(pcm, length);
    }

    /** @return number of frames recorded so far */
    public synchronized int frames() {
        return length / AudioFormats.FRAME_SAMPLES;
    }

    /** @return whether {@link #close()} was called */
    public synchronized boolean isClosed() {
        return closed;
    }

    @Override
    public synchronized void close() {
        closed = true;
    }
}
