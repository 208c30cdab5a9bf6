package dev.parley.codec.audio;

import dev.parley.codec.AudioFormats;
import org.jspecify.annotations.Nullable;

/**
 * A consumer of 48 kHz mono signed 16-bit PCM in 20 ms frames ({@link AudioFormats#FRAME_SAMPLES}
 * samples), called from the media clock thread every 20 ms: implementations must not block for
 * long. I/O failures surface as unchecked exceptions ({@link java.io.UncheckedIOException}).
 */
public interface AudioSink extends AutoCloseable {
    /**
     * Consumes one frame. The array may be reused by the caller after the call returns.
     *
     * @param frame960 exactly {@link AudioFormats#FRAME_SAMPLES} samples
     */
    void write(short[] frame960);

    /**
     * @return a message for the user if the output device failed or disappeared (e.g. unplugged), since
     *     when frames are dropped; none while all is well
     */
    default @Nullable String problem() {
        return null;
    }

    /** Flushes and releases the output. Idempotent. */
    @Override
    void close();
}
