package dev.parley.codec.opus;

import com.sun.jna.ptr.PointerByReference;
import dev.parley.codec.AudioFormats;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.IntBuffer;
import java.nio.ShortBuffer;
import tomp2p.opuswrapper.Opus;

/**
 * Opus encoder for 48 kHz mono 20 ms frames (RFC 6716), application VOIP, signal voice, hard
 * constant bitrate: every frame at a bitrate is {@code bitrateKbps × 20 ms / 8} bytes, whatever is
 * said. With variable bitrate the sizes of encrypted packets follow the speech, and phrases can be
 * recognised from the sizes alone (RFC 6562 §3; RFC 7587 §3.1.2 recommends constant bitrate where
 * that matters). Bitrate changes (the rate adapter's, on loss) and DTX, when turned on, still show.
 *
 * <p>Not thread-safe for concurrent encodes, but {@link #close()} may race with {@link #encode}:
 * calls are serialized so the native state is never used after it was freed.
 */
public final class OpusEncoder implements AutoCloseable {
    /** Lowest bitrate libopus accepts, in kbit/s. */
    public static final int MIN_BITRATE_KBPS = 6;
    /** Highest bitrate libopus accepts for mono, in kbit/s. */
    public static final int MAX_BITRATE_KBPS = 510;
    /** Largest Opus packet worth allocating for (RFC 6716 §3.4 recommends 1275 per frame; 4000 is libopus' own example). */
    public static final int MAX_PACKET_BYTES = 4000;

    private final Opus opus;
    private final ShortBuffer pcmBuffer;
    private final ByteBuffer packetBuffer;
    private PointerByReference state;
    private int bitrateKbps;
    private boolean inbandFec;
    private int packetLossPercent;
    private boolean dtx;

    private OpusEncoder(Opus opus, PointerByReference state) {
        this.opus = opus;
        this.state = state;
        this.pcmBuffer = ByteBuffer.allocateDirect(AudioFormats.FRAME_SAMPLES * Short.BYTES)
                .order(ByteOrder.nativeOrder()).asShortBuffer();
        this.packetBuffer = ByteBuffer.allocateDirect(MAX_PACKET_BYTES);
    }

    /**
     * Creates an encoder for 48 kHz mono VOIP.
     *
     * @param bitrateKbps target bitrate in kbit/s, {@value #MIN_BITRATE_KBPS}..{@value #MAX_BITRATE_KBPS}
     *                    (32..64 is the useful range for speech)
     * @throws IllegalArgumentException if the bitrate is out of range
     * @throws OpusException            if libopus cannot be loaded or refuses to create the encoder
     */
    public static OpusEncoder create(int bitrateKbps) {
        return create(OpusNative.lib(), bitrateKbps);
    }

    /** As {@link #create(int)} on a given binding (tests compare the system and bundled libopus). */
    static OpusEncoder create(Opus opus, int bitrateKbps) {
        checkBitrate(bitrateKbps);
        IntBuffer error = IntBuffer.allocate(1);
        PointerByReference state = opus.opus_encoder_create(
                AudioFormats.SAMPLE_RATE_HZ, AudioFormats.CHANNELS, Opus.OPUS_APPLICATION_VOIP, error);
        OpusNative.check("opus_encoder_create", error.get(0));
        if (state == null) {
            throw new OpusException("opus_encoder_create: returned null", 0, null);
        }
        OpusEncoder encoder = new OpusEncoder(opus, state);
        try {
            OpusNative.check("opus_encoder_ctl(OPUS_SET_SIGNAL)",
                    opus.opus_encoder_ctl(state, Opus.OPUS_SET_SIGNAL_REQUEST, Opus.OPUS_SIGNAL_VOICE));
            OpusNative.check("opus_encoder_ctl(OPUS_SET_VBR)", opus.opus_encoder_ctl(state, Opus.OPUS_SET_VBR_REQUEST, 0));
            encoder.setBitrateKbps(bitrateKbps);
        } catch (RuntimeException e) {
            encoder.close();
            throw e;
        }
        return encoder;
    }

    /**
     * Encodes one 20 ms frame.
     *
     * @param pcm960 exactly {@link AudioFormats#FRAME_SAMPLES} signed 16-bit samples
     * @param out    destination for the Opus packet; 1500 bytes is plenty for speech bitrates
     * @return number of bytes written to {@code out} (an Opus packet, RFC 6716 §3)
     * @throws IllegalArgumentException if {@code pcm960} has the wrong length
     * @throws IllegalStateException    if the encoder is closed
     * @throws OpusException            if libopus fails (e.g. -2 "buffer too small" when {@code out} is too short)
     */
    public synchronized int encode(short[] pcm960, byte[] out) {
        if (pcm960.length != AudioFormats.FRAME_SAMPLES) {
            throw new IllegalArgumentException(
                    "pcmSamples: " + pcm960.length + " (expected: " + AudioFormats.FRAME_SAMPLES + ")");
        }
        PointerByReference s = requireOpen();
        pcmBuffer.clear();
        pcmBuffer.put(pcm960).flip();
        int capacity = Math.min(out.length, MAX_PACKET_BYTES);
        packetBuffer.clear();
        int written = OpusNative.check("opus_encode",
                opus.opus_encode(s, pcmBuffer, AudioFormats.FRAME_SAMPLES, packetBuffer, capacity));
        packetBuffer.get(0, out, 0, written);
        return written;
    }

    /**
     * Changes the target bitrate; takes effect from the next frame.
     *
     * @param bitrateKbps kbit/s, {@value #MIN_BITRATE_KBPS}..{@value #MAX_BITRATE_KBPS}
     * @throws IllegalArgumentException if out of range
     * @throws IllegalStateException    if the encoder is closed
     */
    public synchronized void setBitrateKbps(int bitrateKbps) {
        checkBitrate(bitrateKbps);
        OpusNative.check("opus_encoder_ctl(OPUS_SET_BITRATE)",
                opus.opus_encoder_ctl(requireOpen(), Opus.OPUS_SET_BITRATE_REQUEST, bitrateKbps * 1000));
        this.bitrateKbps = bitrateKbps;
    }

    /**
     * Switches Opus in-band forward error correction (LBRR, RFC 6716 §2.1.7): each packet then also
     * carries a low-bitrate copy of the previous frame, which a receiver decodes with
     * {@link OpusDecoder#decodeFec} when that frame was lost. Only SILK and hybrid modes carry it;
     * libopus sizes it from {@link #setPacketLossPercent}.
     *
     * @throws IllegalStateException if the encoder is closed
     */
    public synchronized void setInbandFec(boolean enabled) {
        OpusNative.check("opus_encoder_ctl(OPUS_SET_INBAND_FEC)",
                opus.opus_encoder_ctl(requireOpen(), Opus.OPUS_SET_INBAND_FEC_REQUEST, enabled ? 1 : 0));
        this.inbandFec = enabled;
    }

    /**
     * Tells the encoder the expected packet loss, which makes it more robust (and with FEC on,
     * spend more bits on the redundant copy).
     *
     * @param percent 0..100
     * @throws IllegalArgumentException if out of range
     * @throws IllegalStateException    if the encoder is closed
     */
    public synchronized void setPacketLossPercent(int percent) {
        if (percent < 0 || percent > 100) {
            throw new IllegalArgumentException("packetLossPercent: " + percent + " (expected: 0..100)");
        }
        OpusNative.check("opus_encoder_ctl(OPUS_SET_PACKET_LOSS_PERC)",
                opus.opus_encoder_ctl(requireOpen(), Opus.OPUS_SET_PACKET_LOSS_PERC_REQUEST, percent));
        this.packetLossPercent = percent;
    }

    /**
     * Discontinuous transmission: during silence the encoder emits a tiny packet only every
     * 400 ms (callers may skip sending 1..2-byte packets; RTP timestamps then jump, RFC 7587 §3.1.3).
     *
     * @throws IllegalStateException if the encoder is closed
     */
    public synchronized void setDtx(boolean enabled) {
        OpusNative.check("opus_encoder_ctl(OPUS_SET_DTX)",
                opus.opus_encoder_ctl(requireOpen(), Opus.OPUS_SET_DTX_REQUEST, enabled ? 1 : 0));
        this.dtx = enabled;
    }

    /** @return whether in-band FEC is on */
    public synchronized boolean inbandFec() {
        return inbandFec;
    }

    /** @return the expected packet loss last configured, in percent */
    public synchronized int packetLossPercent() {
        return packetLossPercent;
    }

    /** @return whether DTX is on */
    public synchronized boolean dtx() {
        return dtx;
    }

    /** @return the configured target bitrate in kbit/s */
    public synchronized int bitrateKbps() {
        return bitrateKbps;
    }

    /** Frees the native encoder. Idempotent. */
    @Override
    public synchronized void close() {
        if (state != null) {
            opus.opus_encoder_destroy(state);
            state = null;
        }
    }

    private PointerByReference requireOpen() {
        if (state == null) {
            throw new IllegalStateException("opusEncoder: closed");
        }
        return state;
    }

    private static void checkBitrate(int bitrateKbps) {
        if (bitrateKbps < MIN_BITRATE_KBPS || bitrateKbps > MAX_BITRATE_KBPS) {
            throw new IllegalArgumentException("bitrateKbps: " + bitrateKbps
                    + " (expected: " + MIN_BITRATE_KBPS + ".." + MAX_BITRATE_KBPS + ")");
        }
    }
}
