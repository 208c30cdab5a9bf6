package dev.parley.codec.opus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.parley.codec.AudioFormats;
import dev.parley.codec.TestSignals;
import dev.parley.codec.audio.Clips;
import java.util.Arrays;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;
import org.assertj.core.data.Percentage;
import org.junit.jupiter.api.Test;

class OpusCodecTest {
    private static final int N = AudioFormats.FRAME_SAMPLES;

    @Test
    void reportsLibopusVersion() {
        assertThat(OpusLibraryInfo.version()).startsWith("libopus ");
    }

    @Test
    void roundTripPreservesToneFrequencyAndLevel() {
        short[] tone = TestSignals.toPcm16(TestSignals.sine(440, 0.5, 48_000, N * 50));
        short[] decoded = new short[tone.length];
        try (OpusEncoder encoder = OpusEncoder.create(32); OpusDecoder decoder = OpusDecoder.create()) {
            byte[] packet = new byte[1500];
            short[] pcm = new short[N];
            for (int f = 0; f < 50; f++) {
                int bytes = encoder.encode(Arrays.copyOfRange(tone, f * N, (f + 1) * N), packet);
                assertThat(bytes).isBetween(1, 1500);
                assertThat(decoder.decode(packet, 0, bytes, pcm)).isEqualTo(N);
                System.arraycopy(pcm, 0, decoded, f * N, N);
            }
        }
        // Skip the start-up transient; compare the steady state.
        int from = 10 * N;
        assertThat(TestSignals.rms(decoded, from, decoded.length))
                .isCloseTo(TestSignals.rms(tone, from, tone.length), Percentage.withPercentage(15));
        double at440 = TestSignals.goertzel(decoded, from, decoded.length, 440, 48_000);
        double at1000 = TestSignals.goertzel(decoded, from, decoded.length, 1000, 48_000);
        assertThat(at440).isGreaterThan(1000 * at1000);
    }

    @Test
    void decodesFromAnOffsetInsideALargerBuffer() {
        short[] tone = TestSignals.toPcm16(TestSignals.sine(300, 0.3, 48_000, N));
        try (OpusEncoder encoder = OpusEncoder.create(48); OpusDecoder a = OpusDecoder.create();
             OpusDecoder b = OpusDecoder.create()) {
            byte[] packet = new byte[1500];
            int bytes = encoder.encode(tone, packet);
            byte[] framed = new byte[bytes + 20];
            System.arraycopy(packet, 0, framed, 7, bytes);
            short[] direct = new short[N];
            short[] offset = new short[N];
            a.decode(packet, 0, bytes, direct);
            b.decode(framed, 7, bytes, offset);
            assertThat(offset).isEqualTo(direct);
        }
    }

    @Test
    void higherBitrateYieldsLargerPackets() {
        short[] noise = new short[N];
        SplittableRandom random = new SplittableRandom(7);
        try (OpusEncoder encoder = OpusEncoder.create(16)) {
            byte[] packet = new byte[1500];
            int low = 0;
            int high = 0;
            for (int f = 0; f < 20; f++) {
                for (int i = 0; i < N; i++) {
                    noise[i] = (short) random.nextInt(-8000, 8000);
                }
                low += encoder.encode(noise, packet);
            }
            encoder.setBitrateKbps(96);
            assertThat(encoder.bitrateKbps()).isEqualTo(96);
            for (int f = 0; f < 20; f++) {
                for (int i = 0; i < N; i++) {
                    noise[i] = (short) random.nextInt(-8000, 8000);
                }
                high += encoder.encode(noise, packet);
            }
            assertThat(high).isGreaterThan(3 * low);
            // Constant bitrate: 16 kbps × 20 ms = 40 bytes per packet.
            assertThat(low / 20).isEqualTo(40);
        }
    }

    /**
     * The attack (RFC 6562 §3): with variable bitrate, SRTP hides the words but not the packet sizes,
     * which follow the speech. At a constant bitrate, speech, noise and silence all encode to
     * packets of one size.
     */
    @Test
    void packetSizesDoNotFollowTheSpeech() {
        short[] speech = Clips.speechSample();
        SplittableRandom random = new SplittableRandom(11);
        try (OpusEncoder encoder = OpusEncoder.create(32)) {
            byte[] packet = new byte[1500];
            short[] frame = new short[N];
            Set<Integer> sizes = new TreeSet<>();
            for (int at = 0; at + N <= speech.length; at += N) {
                sizes.add(encoder.encode(Arrays.copyOfRange(speech, at, at + N), packet));
            }
            Arrays.fill(frame, (short) 0);
            for (int f = 0; f < 20; f++) {
                sizes.add(encoder.encode(frame, packet)); // silence
            }
            for (int f = 0; f < 20; f++) {
                for (int i = 0; i < N; i++) {
                    frame[i] = (short) random.nextInt(-8000, 8000);
                }
                sizes.add(encoder.encode(frame, packet)); // noise
            }
            assertThat(sizes).as("packet sizes, bytes").containsExactly(32_000 / 8 / 50);
        }
    }

    @Test
    void concealmentProducesAFrameAfterLoss() {
        short[] tone = TestSignals.toPcm16(TestSignals.sine(500, 0.5, 48_000, N));
        try (OpusEncoder encoder = OpusEncoder.create(32); OpusDecoder decoder = OpusDecoder.create()) {
            byte[] packet = new byte[1500];
            short[] pcm = new short[N];
            for (int f = 0; f < 10; f++) {
                int bytes = encoder.encode(tone, packet);
                decoder.decode(packet, 0, bytes, pcm);
            }
            short[] concealed = new short[N];
            assertThat(decoder.conceal(concealed)).isEqualTo(N);
            // PLC continues the periodic signal rather than emitting silence.
            assertThat(TestSignals.rms(concealed, 0, N)).isGreaterThan(0.05);
        }
    }

    @Test
    void rejectsBadArgumentsWithClearMessages() {
        assertThatThrownBy(() -> OpusEncoder.create(5)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("bitrateKbps: 5 (expected: 6..510)");
        assertThatThrownBy(() -> OpusEncoder.create(511)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("bitrateKbps: 511 (expected: 6..510)");
        try (OpusEncoder encoder = OpusEncoder.create(32); OpusDecoder decoder = OpusDecoder.create()) {
            assertThatThrownBy(() -> encoder.encode(new short[480], new byte[100]))
                    .hasMessage("pcmSamples: 480 (expected: 960)");
            assertThatThrownBy(() -> decoder.conceal(new short[100]))
                    .hasMessage("outSamples: 100 (expected: >= 960)");
            assertThatThrownBy(() -> encoder.setBitrateKbps(1000)).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void libopusErrorsCarryTheErrorString() {
        try (OpusEncoder encoder = OpusEncoder.create(64); OpusDecoder decoder = OpusDecoder.create()) {
            short[] loud = TestSignals.toPcm16(TestSignals.sine(1000, 0.9, 48_000, N));
            // No room for even the TOC byte.
            assertThatThrownBy(() -> encoder.encode(loud, new byte[0]))
                    .isInstanceOf(OpusException.class)
                    .hasMessage("opus_encode: -1 (invalid argument)")
                    .satisfies(e -> assertThat(((OpusException) e).errorCode()).isEqualTo(-1));
            // TOC code 3 (arbitrary frame count) with a count byte of 0 frames: invalid per RFC 6716 §3.2.5.
            byte[] invalid = {(byte) 0x03, 0x00};
            assertThatThrownBy(() -> decoder.decode(invalid, 0, invalid.length, new short[N]))
                    .isInstanceOf(OpusException.class)
                    .hasMessage("opus_decode: -4 (corrupted stream)");
        }
    }

    @Test
    void closeIsIdempotentAndLaterCallsFailCleanly() {
        OpusEncoder encoder = OpusEncoder.create(32);
        OpusDecoder decoder = OpusDecoder.create();
        encoder.close();
        encoder.close();
        decoder.close();
        decoder.close();
        assertThatThrownBy(() -> encoder.encode(new short[N], new byte[100]))
                .isInstanceOf(IllegalStateException.class).hasMessage("opusEncoder: closed");
        assertThatThrownBy(() -> decoder.conceal(new short[N]))
                .isInstanceOf(IllegalStateException.class).hasMessage("opusDecoder: closed");
    }
}
