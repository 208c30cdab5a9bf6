package dev.parley.client.call;

import dev.parley.client.media.MediaConfig;
import dev.parley.client.media.MediaSession;
import dev.parley.codec.AudioFormats;
import dev.parley.codec.sim.ImpairmentSpec;
import java.io.IOException;
import java.util.random.RandomGenerator;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The next call's media session (RTP socket, codec, jitter buffer), opened ahead of the call so
 * that call setup does not wait for it (25–50 ms when cold). Confined to the call engine's loop.
 */
final class SpareMedia {
    private static final Logger log = LoggerFactory.getLogger(SpareMedia.class);
    private final CallSettings settings;
    private final RandomGenerator random;
    private final CallRuntime.MediaOpener opener;
    private @Nullable MediaSession spare;
    private boolean closed;

    /**
     * @param random draws each session's SSRC
     * @param opener opens a session with a config
     */
    SpareMedia(CallSettings settings, RandomGenerator random, CallRuntime.MediaOpener opener) {
        this.settings = settings;
        this.random = random;
        this.opener = opener;
    }

    /** Opens the spare session unless one is ready or this was closed; a failure is left to {@link #take}. */
    void prepare() {
        if (spare == null && !closed) {
            try {
                spare = open();
            } catch (IOException e) {
                log.debug("cannot open a spare media socket: {}", e.getMessage());
            }
        }
    }

    /**
     * @return the spare session, or a new one if none is ready
     * @throws IOException if the media socket cannot be bound
     */
    MediaSession take() throws IOException {
        MediaSession s = spare;
        spare = null;
        return s != null ? s : open();
    }

    /** Closes the spare session; later {@link #prepare} calls do nothing. */
    void close() {
        closed = true;
        if (spare != null) {
            spare.close();
            spare = null;
        }
    }

    private MediaSession open() throws IOException {
        MediaConfig config = new MediaConfig(settings.bitrateKbps(), AudioFormats.OPUS_PAYLOAD_TYPE,
                settings.jitterBufferMs(), random.nextLong() & 0xffffffffL)
                .withImpairment(settings.impairment() == null ? ImpairmentSpec.NONE : settings.impairment());
        return opener.open(config);
    }
}
