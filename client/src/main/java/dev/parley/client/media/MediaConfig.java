package dev.parley.client.media;

import dev.parley.codec.AudioFormats;
import dev.parley.codec.JitterBuffer;

/**
 * Settings of one {@link MediaSession}: Opus over RTP per RFC 7587.
 *
 * @param bitrateKbps    Opus target bitrate, 32..64 kbit/s
 * @param payloadType    dynamic RTP payload type for Opus, 96..127 (normally 111)
 * @param jitterBufferMs jitter buffer target delay, 20..1000 ms
 * @param ssrc           our RTP synchronization source, 0..2^32-1 (RFC 3550 §8: choose it randomly)
 */
public record MediaConfig(int bitrateKbps, int payloadType, int jitterBufferMs, long ssrc) {
    /** Default Opus bitrate in kbit/s. */
    public static final int DEFAULT_BITRATE_KBPS = 32;

    /** @throws IllegalArgumentException if a field is out of range */
    public MediaConfig {
        check("bitrateKbps", bitrateKbps, 32, 64);
        check("payloadType", payloadType, 96, 127);
        check("jitterBufferMs", jitterBufferMs, 20, 1000);
        check("ssrc", ssrc, 0, 0xFFFF_FFFFL);
    }

    /** @return the defaults (32 kbit/s, PT 111, 60 ms jitter buffer) with the given SSRC */
    public static MediaConfig defaults(long ssrc) {
        return new MediaConfig(DEFAULT_BITRATE_KBPS, AudioFormats.OPUS_PAYLOAD_TYPE,
                JitterBuffer.DEFAULT_TARGET_DELAY_MS, ssrc);
    }

    private static void check(String name, long value, long min, long max) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(name + ": " + value + " (expected: " + min + ".." + max + ")");
        }
    }
}
