package dev.parley.codec.audio;

import java.util.Arrays;

/** A source of digital silence, endless or for a fixed number of frames. Thread-safe. */
public final class SilenceSource implements AudioSource {
    private final long totalFrames;
    private long framesRead;
    private boolean closed;

    private SilenceSource(long totalFrames) {
        this.totalFrames = totalFrames;
    }

    /** @return a source that never ends (until closed) */
    public static SilenceSource endless() {
        return new SilenceSource(Long.MAX_VALUE);
    }

    /**
     * @param frames number of 20 ms frames before the end of input, ≥ 0
     * @return a finite silent source
     * @throws IllegalArgumentException if negative
     */
    public static SilenceSource frames(long frames) {
        if (frames < 0) {
            throw new IllegalArgumentException("frames: " + frames + " (expected: >= 0)");
        }
        return new SilenceSource(frames);
    }

    @Override
    public synchronized boolean read(short[] frame960) {
        Frames.checkFrame(frame960);
        if (closed || framesRead >= totalFrames) {
            return false;
        }
        framesRead++;
        Arrays.fill(frame960, (short) 0);
        return true;
    }

    @Override
    public synchronized void close() {
        closed = true;
    }
}
