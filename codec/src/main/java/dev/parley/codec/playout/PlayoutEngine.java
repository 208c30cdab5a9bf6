package dev.parley.codec.playout;

import dev.parley.codec.AudioFormats;
import dev.parley.codec.opus.OpusDecoder;
import dev.parley.codec.opus.OpusException;
import dev.parley.codec.rtp.RtpPacket;
import java.util.Arrays;

/**
 * The receive half of the media path for one stream: {@link JitterBuffer} → Opus decode, in-band
 * FEC recovery or packet loss concealment → one 20 ms PCM frame per call of {@link #next}. Owns
 * the decoder. Not thread-safe: confine it to the media thread (the same as the buffer's).
 *
 * <p>Per slot: PACKET decodes the packet; FEC decodes the lost frame from the next packet's LBRR
 * data ({@link OpusDecoder#decodeFec}); LOST, DTX and EXPAND run Opus PLC (which fades to silence
 * over long gaps); NOTHING plays silence. A packet that fails to decode is concealed and counted.
 * When an adaptive buffer offers a frame for dropping (its delay is above target), the engine drops
 * it only if it decodes to a quiet frame (RMS below {@value #QUIET_RMS}, about −44 dBFS), so the
 * delay shrinks in pauses, unnoticed, and plays the next slot instead.
 */
public final class PlayoutEngine implements AutoCloseable {
    /** RMS (16-bit units) below which a frame counts as quiet. */
    static final double QUIET_RMS = 200;
    private static final int MAX_DECODE_SAMPLES = 120 * AudioFormats.SAMPLES_PER_MS;

    private final JitterBuffer buffer;
    private final OpusDecoder decoder;
    private final short[] decoded = new short[MAX_DECODE_SAMPLES];
    private long decodeErrors;

    /**
     * @param buffer  the jitter buffer to play from (the engine feeds it through {@link #offer})
     * @param decoder an Opus decoder, owned (closed) by the engine from now on
     */
    public PlayoutEngine(JitterBuffer buffer, OpusDecoder decoder) {
        this.buffer = buffer;
        this.decoder = decoder;
    }

    /**
     * @return an engine with an adaptive buffer and a new decoder
     * @throws OpusException if libopus cannot create the decoder
     */
    public static PlayoutEngine adaptive() {
        return new PlayoutEngine(JitterBuffer.adaptive(), OpusDecoder.create());
    }

    /** Queues a received packet; see {@link JitterBuffer#offer}. */
    public void offer(RtpPacket packet, long arrivalMs) {
        buffer.offer(packet, arrivalMs);
    }

    /**
     * Produces the next 20 ms of audio.
     *
     * @param nowMs  playout clock, ms, same clock as the arrivals
     * @param out960 destination, at least {@link AudioFormats#FRAME_SAMPLES} long; exactly one frame is written
     * @return what the slot was
     */
    public PlayoutFrame.Kind next(long nowMs, short[] out960) {
        PlayoutFrame slot = buffer.poll(nowMs);
        if (slot.kind() == PlayoutFrame.Kind.PACKET) {
            decodePacket(slot.payload());
            if (slot.droppable() && rms(decoded) < QUIET_RMS) {
                buffer.drop(nowMs); // shrink the delay by skipping this quiet frame
                slot = buffer.poll(nowMs);
                if (slot.kind() == PlayoutFrame.Kind.PACKET) {
                    decodePacket(slot.payload());
                }
            }
        }
        switch (slot.kind()) {
            case PACKET -> {
                // decoded above
            }
            case FEC -> {
                try {
                    decoder.decodeFec(slot.payload(), decoded);
                } catch (OpusException e) {
                    decodeErrors++;
                    decoder.conceal(decoded);
                }
            }
            case LOST, DTX, EXPAND -> decoder.conceal(decoded);
            case NOTHING -> Arrays.fill(decoded, 0, AudioFormats.FRAME_SAMPLES, (short) 0);
        }
        System.arraycopy(decoded, 0, out960, 0, AudioFormats.FRAME_SAMPLES);
        return slot.kind();
    }

    private void decodePacket(byte[] payload) {
        try {
            decoder.decode(payload, 0, payload.length, decoded);
        } catch (OpusException e) {
            decodeErrors++;
            decoder.conceal(decoded);
        }
    }

    /** @return the buffer's counters */
    public JitterBufferStats stats() {
        return buffer.stats();
    }

    /** @return packets that failed to decode (concealed instead) */
    public long decodeErrors() {
        return decodeErrors;
    }

    /** @return the jitter buffer (for RTCP: extended highest sequence, SSRC) */
    public JitterBuffer buffer() {
        return buffer;
    }

    /** Frees the decoder. Idempotent. */
    @Override
    public void close() {
        decoder.close();
    }

    private static double rms(short[] frame) {
        double sum = 0;
        for (int i = 0; i < AudioFormats.FRAME_SAMPLES; i++) {
            sum += (double) frame[i] * frame[i];
        }
        return Math.sqrt(sum / AudioFormats.FRAME_SAMPLES);
    }
}
