package dev.parley.codec.opus;

import com.sun.jna.ptr.PointerByReference;
import dev.parley.codec.AudioFormats;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.IntBuffer;
import java.nio.ShortBuffer;
import java.util.Arrays;
import java.util.Objects;
import tomp2p.opuswrapper.Opus;

/**
 * Opus decoder producing 48 kHz mono PCM (RFC 6716), with packet loss concealment.
 *
 * <p>Not thread-safe for concurrent decodes; {@link #close()} is serialized with the other calls
 * so the native state is never used after it was freed.
 */
public final class OpusDecoder implements AutoCloseable {
    /** Largest decoded packet accepted: 120 ms, the longest Opus packet (RFC 6716 §3.2.5). */
    private static final int MAX_DECODE_SAMPLES = 120 * AudioFormats.SAMPLES_PER_MS;

    private final Opus opus;
    private final ShortBuffer pcmBuffer;
    private PointerByReference state;

    private OpusDecoder(Opus opus, PointerByReference state) {
        this.opus = opus;
        this.state = state;
        this.pcmBuffer = ByteBuffer.allocateDirect(MAX_DECODE_SAMPLES * Short.BYTES)
                .order(ByteOrder.nativeOrder()).asShortBuffer();
    }

    /**
     * Creates a 48 kHz mono decoder.
     *
     * @throws OpusException if libopus cannot be loaded or refuses to create the decoder
     */
    public static OpusDecoder create() {
        return create(OpusNative.lib());
    }

    /** As {@link #create()} on a given binding (tests compare the system and bundled libopus). */
    static OpusDecoder create(Opus opus) {
        IntBuffer error = IntBuffer.allocate(1);
        PointerByReference state = opus.opus_decoder_create(AudioFormats.SAMPLE_RATE_HZ, AudioFormats.CHANNELS, error);
        OpusNative.check("opus_decoder_create", error.get(0));
        if (state == null) {
            throw new OpusException("opus_decoder_create: returned null", 0, null);
        }
        return new OpusDecoder(opus, state);
    }

    /**
     * Decodes one Opus packet.
     *
     * @param payload the buffer holding the packet (an RTP payload per RFC 7587)
     * @param offset  start of the packet in {@code payload}
     * @param length  packet length in bytes; 0 makes libopus conceal, as for a lost packet
     * @param out960  destination, at least {@link AudioFormats#FRAME_SAMPLES} long; longer packets
     *                (40/60 ms) need a correspondingly longer array
     * @return number of samples written to {@code out960} (960 for a 20 ms packet)
     * @throws IllegalArgumentException  if {@code out960} is shorter than one frame
     * @throws IndexOutOfBoundsException if offset/length fall outside {@code payload}
     * @throws IllegalStateException     if the decoder is closed
     * @throws OpusException             for corrupt packets (e.g. -4 "corrupted stream") or when
     *                                   {@code out960} is too short for the packet (-2)
     */
    public synchronized int decode(byte[] payload, int offset, int length, short[] out960) {
        Objects.checkFromIndexSize(offset, length, payload.length);
        checkOut(out960);
        PointerByReference s = requireOpen();
        byte[] packet = offset == 0 && length == payload.length ? payload : Arrays.copyOfRange(payload, offset, offset + length);
        int frameSize = Math.min(out960.length, MAX_DECODE_SAMPLES);
        pcmBuffer.clear();
        int samples = OpusNative.check("opus_decode",
                opus.opus_decode(s, length == 0 ? null : packet, length, pcmBuffer, frameSize, 0));
        pcmBuffer.get(0, out960, 0, samples);
        return samples;
    }

    /**
     * Packet loss concealment: synthesizes the next 20 ms from the decoder state, as libopus does
     * when {@code opus_decode} gets a null packet (RFC 6716 §4.4).
     *
     * @param out960 destination, at least {@link AudioFormats#FRAME_SAMPLES} long
     * @return number of samples written (960)
     * @throws IllegalStateException if the decoder is closed
     * @throws OpusException         if libopus fails
     */
    public synchronized int conceal(short[] out960) {
        checkOut(out960);
        PointerByReference s = requireOpen();
        pcmBuffer.clear();
        int samples = OpusNative.check("opus_decode(plc)",
                opus.opus_decode(s, null, 0, pcmBuffer, AudioFormats.FRAME_SAMPLES, 0));
        pcmBuffer.get(0, out960, 0, samples);
        return samples;
    }

    /**
     * Recovers the frame <em>before</em> {@code payload} from the in-band FEC data (LBRR) that
     * {@code payload} carries (RFC 6716 §2.1.7; {@code opus_decode} with {@code decode_fec = 1}).
     * When the packet carries no FEC, libopus conceals instead, so the output is always usable.
     * Call it for a lost frame when the next packet is already here, then decode that next packet
     * normally.
     *
     * @param payload the packet following the lost one (an RTP payload per RFC 7587)
     * @param out960  destination, at least {@link AudioFormats#FRAME_SAMPLES} long
     * @return number of samples written (960)
     * @throws IllegalStateException if the decoder is closed
     * @throws OpusException         for a corrupt packet
     */
    public synchronized int decodeFec(byte[] payload, short[] out960) {
        checkOut(out960);
        PointerByReference s = requireOpen();
        pcmBuffer.clear();
        int samples = OpusNative.check("opus_decode(fec)",
                opus.opus_decode(s, payload, payload.length, pcmBuffer, AudioFormats.FRAME_SAMPLES, 1));
        pcmBuffer.get(0, out960, 0, samples);
        return samples;
    }

    /** Frees the native decoder. Idempotent. */
    @Override
    public synchronized void close() {
        if (state != null) {
            opus.opus_decoder_destroy(state);
            state = null;
        }
    }

    private PointerByReference requireOpen() {
        if (state == null) {
            throw new IllegalStateException("opusDecoder: closed");
        }
        return state;
    }

    private static void checkOut(short[] out) {
        if (out.length < AudioFormats.FRAME_SAMPLES) {
            throw new IllegalArgumentException(
                    "outSamples: " + out.length + " (expected: >= " + AudioFormats.FRAME_SAMPLES + ")");
        }
    }
}
