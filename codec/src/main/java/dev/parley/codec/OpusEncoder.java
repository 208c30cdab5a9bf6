package dev.parley.codec;

import com.sun.jna.ptr.PointerByReference;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.IntBuffer;
import java.nio.ShortBuffer;
import tomp2p.opuswrapper.Opus;

/**
 * Opus encoder for 48 kHz mono 20 ms frames (RFC 6716), application VOIP, signal voice, VBR.
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
        checkBitrate(bitrateKbps);
        Opus opus = OpusNative.lib();
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
