package dev.parley.codec.audio;

import dev.parley.codec.AudioFormats;
import org.jspecify.annotations.Nullable;

/**
 * A producer of 48 kHz mono signed 16-bit PCM in 20 ms frames ({@link AudioFormats#FRAME_SAMPLES}
 * samples). Called from the media clock thread every 20 ms: implementations must not block for
 * long (live devices buffer on their own thread). I/O failures surface as unchecked exceptions
 * ({@link java.io.UncheckedIOException}).
 */
public interface AudioSource extends AutoCloseable {
    /**
     * Fills {@code frame960} with the next frame; a final partial frame is zero-padded.
     *
     * @param frame960 destination of exactly {@link AudioFormats#FRAME_SAMPLES} samples
     * @return false at the end of the input (then {@code frame960} is untouched)
     */
    boolean read(short[] frame960);

    /**
     * @return a message for the user if the input device failed or disappeared (e.g. unplugged), since
     *     when {@link #read} yields silence; none while all is well
     */
    default @Nullable String problem() {
        return null;
    }

    /** Releases the input. Idempotent; {@link #read} returns false afterwards. */
    @Override
    void close();
}
