package dev.parley.codec;

/**
 * The one media format Parley uses end to end: Opus over RTP per RFC 7587 (48 kHz RTP clock,
 * mono, 20 ms frames, dynamic payload type 111). PCM frames are {@code short[FRAME_SAMPLES]},
 * signed 16-bit, 48 kHz, mono.
 */
public final class AudioFormats {
    /** PCM sample rate and RTP clock rate for Opus (RFC 7587 §4.1), in Hz. */
    public static final int SAMPLE_RATE_HZ = 48_000;
    /** Mono. */
    public static final int CHANNELS = 1;
    /** Packetization interval in milliseconds. */
    public static final int FRAME_MS = 20;
    /** Samples per channel in one frame: 48 kHz × 20 ms. */
    public static final int FRAME_SAMPLES = SAMPLE_RATE_HZ / 1000 * FRAME_MS;
    /** Dynamic RTP payload type conventionally used for Opus. */
    public static final int OPUS_PAYLOAD_TYPE = 111;
    /** RTP timestamp units per millisecond at the 48 kHz clock. */
    public static final int SAMPLES_PER_MS = SAMPLE_RATE_HZ / 1000;

    private AudioFormats() {
    }
}
