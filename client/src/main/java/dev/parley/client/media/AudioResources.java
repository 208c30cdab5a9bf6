package dev.parley.client.media;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Closing a call's audio source and sink (devices, WAV files), where a failure must not stop the rest. */
public final class AudioResources {
    private static final Logger log = LoggerFactory.getLogger(AudioResources.class);

    private AudioResources() {}

    /**
     * Closes each resource in order; nulls are skipped, failures are logged (WARN) and never thrown,
     * so one broken device cannot keep the next from being released.
     */
    public static void closeQuietly(@Nullable AutoCloseable... resources) {
        for (AutoCloseable r : resources) {
            if (r != null) {
                try {
                    r.close();
                } catch (Exception e) {
                    log.warn("closing {} failed", r, e);
                }
            }
        }
    }
}
