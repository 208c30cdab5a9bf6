package dev.parley.codec.audio;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * Bundled test audio (see {@code clips/README.md} beside the resource for provenance and licence).
 */
public final class Clips {
    /** Classpath location of the speech sample. */
    public static final String SPEECH_SAMPLE_RESOURCE = "/dev/parley/codec/clips/speech-sample.wav";

    private static short[] speechSample;

    private Clips() {
    }

    /**
     * @return a fresh copy of the bundled speech sample ("The North Wind and the Sun", first two
     *         sentences, espeak-ng), ~11.4 s of 48 kHz mono 16-bit PCM
     * @throws UncheckedIOException if the resource is missing from the classpath
     */
    public static short[] speechSample() {
        synchronized (Clips.class) {
            if (speechSample == null) {
                try {
                    speechSample = Wav.readMono48k(openSpeechSample(), SPEECH_SAMPLE_RESOURCE);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
            return speechSample.clone();
        }
    }

    /**
     * @return the speech sample WAV file's bytes as a stream; the caller closes it
     * @throws IOException if the resource is missing
     */
    public static InputStream openSpeechSample() throws IOException {
        InputStream in = Clips.class.getResourceAsStream(SPEECH_SAMPLE_RESOURCE);
        if (in == null) {
            throw new IOException("clip: " + SPEECH_SAMPLE_RESOURCE + " not on the classpath");
        }
        return in;
    }
}
