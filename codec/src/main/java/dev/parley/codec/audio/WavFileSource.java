package dev.parley.codec.audio;

import dev.parley.codec.AudioFormats;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Streams a WAV file as 48 kHz mono 20 ms frames. Accepts integer PCM 8/16/24/32-bit, IEEE float
 * 32/64-bit (also as WAVE_FORMAT_EXTENSIBLE), 1..8 channels averaged to mono, at any rate
 * 1000..384000 Hz, converted with the windowed-sinc {@link Resampler}. The last partial frame is
 * zero-padded. Not thread-safe for concurrent reads.
 */
public final class WavFileSource implements AudioSource {
    private static final int CHUNK_FRAMES = 4096;

    private final WavReader reader;
    private final Resampler resampler; // null at 48 kHz
    private final float[] chunk = new float[CHUNK_FRAMES];
    private float[] fifo = new float[CHUNK_FRAMES * 4];
    private int fifoLength;
    private boolean inputDone;
    private boolean closed;

    private WavFileSource(WavReader reader) {
        this.reader = reader;
        int rate = reader.format().sampleRateHz();
        this.resampler = rate == AudioFormats.SAMPLE_RATE_HZ ? null : new Resampler(rate, AudioFormats.SAMPLE_RATE_HZ);
    }

    /**
     * Opens the file and parses its header.
     *
     * @throws IOException if the file is missing, not WAVE, truncated, or in an unsupported encoding
     *                     (the message names the file and the offending field)
     */
    public static WavFileSource open(Path path) throws IOException {
        BufferedInputStream in = new BufferedInputStream(Files.newInputStream(path));
        try {
            return new WavFileSource(WavReader.open(in, path.toString()));
        } catch (IOException | RuntimeException e) {
            in.close();
            throw e;
        }
    }

    /** @return the source file's sample rate in Hz (before conversion to 48 kHz) */
    public int sourceRateHz() {
        return reader.format().sampleRateHz();
    }

    /** @return the source file's channel count (before downmixing) */
    public int sourceChannels() {
        return reader.format().channels();
    }

    /** @throws UncheckedIOException if reading the file fails */
    @Override
    public boolean read(short[] frame960) {
        Frames.checkFrame(frame960);
        if (closed) {
            return false;
        }
        try {
            while (fifoLength < frame960.length && !inputDone) {
                fill();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (fifoLength == 0) {
            return false;
        }
        int n = Math.min(frame960.length, fifoLength);
        for (int i = 0; i < n; i++) {
            frame960[i] = Frames.toPcm16(fifo[i]);
        }
        Arrays.fill(frame960, n, frame960.length, (short) 0);
        System.arraycopy(fifo, n, fifo, 0, fifoLength - n);
        fifoLength -= n;
        return true;
    }

    private void fill() throws IOException {
        int n = reader.readMono(chunk, CHUNK_FRAMES);
        if (n < 0) {
            inputDone = true;
            if (resampler != null) {
                append(resampler.flush());
            }
            return;
        }
        if (resampler == null) {
            append(Arrays.copyOf(chunk, n));
        } else {
            append(resampler.process(chunk, 0, n));
        }
    }

    private void append(float[] samples) {
        if (fifoLength + samples.length > fifo.length) {
            fifo = Arrays.copyOf(fifo, Math.max(fifo.length * 2, fifoLength + samples.length));
        }
        System.arraycopy(samples, 0, fifo, fifoLength, samples.length);
        fifoLength += samples.length;
    }

    /** Closes the file. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            reader.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
