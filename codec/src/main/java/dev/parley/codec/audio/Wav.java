package dev.parley.codec.audio;

import dev.parley.codec.AudioFormats;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/** Whole-file WAV helpers built on the streaming reader and {@link WavFileSink}. */
public final class Wav {
    /** Longest file {@link #readMono48k} loads into memory, in seconds (streaming has no limit: {@link WavFileSource}). */
    public static final int MAX_IN_MEMORY_SECONDS = 600;

    private Wav() {
    }

    /**
     * Reads a WAV file (see {@link WavFileSource} for the supported formats) as 48 kHz mono.
     *
     * @return {@code ceil(frames · 48000 / rate)} samples
     * @throws IOException if unreadable, not WAVE, or an unsupported encoding
     */
    public static short[] readMono48k(Path path) throws IOException {
        return readMono48k(Files.newInputStream(path), path.toString());
    }

    /**
     * Reads WAV data from a stream as 48 kHz mono; the stream is closed.
     *
     * @param name used in error messages
     * @throws IOException if unreadable, not WAVE, or an unsupported encoding
     */
    public static short[] readMono48k(InputStream in, String name) throws IOException {
        try (WavReader reader = WavReader.open(new BufferedInputStream(in), name)) {
            long maxFrames = (long) MAX_IN_MEMORY_SECONDS * reader.format().sampleRateHz();
            float[] mono = new float[0];
            int length = 0;
            float[] chunk = new float[8192];
            int n;
            while ((n = reader.readMono(chunk, chunk.length)) > 0) {
                if (length + n > maxFrames) {
                    throw new IOException(String.format("%s: wavDuration: more than %d s (expected: <= %d s to read into memory)",
                            name, MAX_IN_MEMORY_SECONDS, MAX_IN_MEMORY_SECONDS));
                }
                if (length + n > mono.length) {
                    mono = Arrays.copyOf(mono, Math.max(2 * mono.length, length + n));
                }
                System.arraycopy(chunk, 0, mono, length, n);
                length += n;
            }
            mono = Arrays.copyOf(mono, length);
            int rate = reader.format().sampleRateHz();
            float[] out = rate == AudioFormats.SAMPLE_RATE_HZ ? mono
                    : Resampler.resample(mono, rate, AudioFormats.SAMPLE_RATE_HZ);
            short[] pcm = new short[out.length];
            for (int i = 0; i < out.length; i++) {
                pcm[i] = Frames.toPcm16(out[i]);
            }
            return pcm;
        }
    }

    /**
     * Writes 48 kHz mono 16-bit PCM as a WAV file (replacing it); a trailing partial frame is written as is.
     *
     * @throws IOException if the file cannot be written
     */
    public static void writeMono48k(Path path, short[] pcm) throws IOException {
        try (WavFileSink sink = WavFileSink.create(path)) {
            sink.writeSamples(pcm, 0, pcm.length);
        }
    }
}
