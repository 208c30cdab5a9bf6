package dev.parley.codec.audio;

import dev.parley.codec.AudioFormats;
import java.util.Arrays;

/**
 * Plays an in-memory 48 kHz mono PCM buffer as 20 ms frames; the last partial frame is
 * zero-padded. Thread-safe.
 */
public final class PcmBufferSource implements AudioSource {
    private final short[] pcm;
    private int position;
    private boolean closed;

    /** @param pcm48kMono samples to play (not copied: do not modify while playing) */
    public PcmBufferSource(short[] pcm48kMono) {
        this.pcm = pcm48kMono;
    }

    @Override
    public synchronized boolean read(short[] frame960) {
        Frames.checkFrame(frame960);
        if (closed || position >= pcm.length) {
            return false;
        }
        int n = Math.min(frame960.length, pcm.length - position);
        System.arraycopy(pcm, position, frame960, 0, n);
        Arrays.fill(frame960, n, frame960.length, (short) 0);
        position += n;
        return true;
    }

    /** @return number of frames this source yields in total */
    public int totalFrames() {
        return (pcm.length + AudioFormats.FRAME_SAMPLES - 1) / AudioFormats.FRAME_SAMPLES;
    }

    @Override
    public synchronized void close() {
        closed = true;
    }
}
