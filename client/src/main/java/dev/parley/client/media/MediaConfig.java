package dev.parley.client.media;

import dev.parley.codec.AudioFormats;
import dev.parley.codec.sim.ImpairmentSpec;
import java.util.Objects;

/**
 * Settings of one {@link MediaSession}: Opus over RTP per RFC 7587, RTCP on the same socket.
 *
 * @param bitrateKbps    Opus base bitrate, 32..64 kbit/s (the sender raises it with loss to pay for FEC, see
 *                       {@link dev.parley.codec.opus.RateAdapter})
 * @param payloadType    dynamic RTP payload type for Opus, 96..127 (normally 111)
 * @param jitterBufferMs {@link #ADAPTIVE} (0) for the adaptive jitter buffer, else a fixed target delay of 20..1000 ms
 * @param ssrc           our RTP synchronization source, 0..2^32-1 (RFC 3550 §8: choose it randomly)
 * @param impairment     what to do to received datagrams for testing ({@link ImpairmentSpec#NONE} normally)
 * @param rtcpIntervalMs mean interval between our RTCP reports, 500..60000 ms (randomized ×0.5..1.5, RFC 3550 §6.3.1)
 * @param dtx            send with Opus DTX: frames of silence the encoder marks as such are not sent
 */
public record MediaConfig(int bitrateKbps, int payloadType, int jitterBufferMs, long ssrc, ImpairmentSpec impairment,
                          int rtcpIntervalMs, boolean dtx) {
    /** Default Opus bitrate in kbit/s. */
    public static final int DEFAULT_BITRATE_KBPS = 32;
    /** {@link #jitterBufferMs} value selecting the adaptive jitter buffer. */
    public static final int ADAPTIVE = 0;
    /** Default mean RTCP interval, ms ("every few seconds"). */
    public static final int DEFAULT_RTCP_INTERVAL_MS = 2500;

    /** @throws IllegalArgumentException if a field is out of range */
    public MediaConfig {
        check("bitrateKbps", bitrateKbps, 32, 64);
        check("payloadType", payloadType, 96, 127);
        if (jitterBufferMs != ADAPTIVE) {
            check("jitterBufferMs", jitterBufferMs, 20, 1000);
        }
        check("ssrc", ssrc, 0, 0xFFFF_FFFFL);
        Objects.requireNonNull(impairment, "impairment");
        check("rtcpIntervalMs", rtcpIntervalMs, 500, 60_000);
    }

    /** Without impairment, default RTCP interval, no DTX. */
    public MediaConfig(int bitrateKbps, int payloadType, int jitterBufferMs, long ssrc) {
        this(bitrateKbps, payloadType, jitterBufferMs, ssrc, ImpairmentSpec.NONE, DEFAULT_RTCP_INTERVAL_MS, false);
    }

    /** @return the defaults (32 kbit/s, PT 111, adaptive jitter buffer, RTCP every ~2.5 s) with the given SSRC */
    public static MediaConfig defaults(long ssrc) {
        return new MediaConfig(DEFAULT_BITRATE_KBPS, AudioFormats.OPUS_PAYLOAD_TYPE, ADAPTIVE, ssrc);
    }

    /** @return a copy with another impairment */
    public MediaConfig withImpairment(ImpairmentSpec spec) {
        return new MediaConfig(bitrateKbps, payloadType, jitterBufferMs, ssrc, spec, rtcpIntervalMs, dtx);
    }

    /** @return a copy with another RTCP interval */
    public MediaConfig withRtcpIntervalMs(int ms) {
        return new MediaConfig(bitrateKbps, payloadType, jitterBufferMs, ssrc, impairment, ms, dtx);
    }

    /** @return a copy with DTX on or off */
    public MediaConfig withDtx(boolean on) {
        return new MediaConfig(bitrateKbps, payloadType, jitterBufferMs, ssrc, impairment, rtcpIntervalMs, on);
    }

    /** @return true if the jitter buffer adapts */
    public boolean adaptiveJitterBuffer() {
        return jitterBufferMs == ADAPTIVE;
    }

    private static void check(String name, long value, long min, long max) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(name + ": " + value + " (expected: " + min + ".." + max + ")");
        }
    }
}
