package dev.parley.codec.quality;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.parley.codec.TestSignals;
import dev.parley.codec.audio.Clips;
import dev.parley.codec.audio.Wav;
import dev.parley.codec.opus.OpusDecoder;
import dev.parley.codec.opus.OpusEncoder;
import dev.parley.codec.opus.OpusException;
import java.io.IOException;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Both sides of {@link Fidelity#PASS_THRESHOLD}: clean Opus calls above, broken streams below.
 * Observed scores are printed and quoted in assertion messages.
 */
class FidelityTest {
    private static final int DELAY = 1234; // network + buffering offset of the recording, samples
    private static short[] clip;

    @BeforeAll
    static void loadClip() {
        clip = Clips.speechSample();
    }

    /** Encodes {@code pcm} frame by frame, optionally mangles payloads (null = lost), decodes with PLC. */
    static short[] opusCall(short[] pcm, int kbps, UnaryOperator<byte[]> channel) {
        short[] out = new short[DELAY + pcm.length + 3 * 960];
        try (OpusEncoder encoder = OpusEncoder.create(kbps); OpusDecoder decoder = OpusDecoder.create()) {
            short[] frame = new short[960];
            short[] decoded = new short[960];
            byte[] packet = new byte[1500];
            for (int at = 0, pos = DELAY; at < pcm.length; at += 960, pos += 960) {
                Arrays.fill(frame, (short) 0);
                System.arraycopy(pcm, at, frame, 0, Math.min(960, pcm.length - at));
                byte[] payload = channel.apply(Arrays.copyOf(packet, encoder.encode(frame, packet)));
                try {
                    if (payload == null) {
                        decoder.conceal(decoded);
                    } else {
                        decoder.decode(payload, 0, payload.length, decoded);
                    }
                } catch (OpusException corrupt) {
                    decoder.conceal(decoded);
                }
                System.arraycopy(decoded, 0, out, pos, 960);
            }
        }
        return out;
    }

    private static FidelityResult scored(String label, short[] recording) {
        FidelityResult result = Fidelity.score(clip, recording);
        System.out.printf("fidelity %-40s %s%n", label, result);
        return result;
    }

    private static void assertAbove(String label, short[] recording) {
        FidelityResult result = scored(label, recording);
        assertThat(result.score()).as("%s: %s", label, result).isGreaterThan(Fidelity.PASS_THRESHOLD + 0.15);
        assertThat(result.passed()).isTrue();
    }

    private static void assertBelow(String label, short[] recording) {
        FidelityResult result = scored(label, recording);
        assertThat(result.score()).as("%s: %s", label, result).isLessThan(Fidelity.PASS_THRESHOLD - 0.25);
        assertThat(result.passed()).isFalse();
    }

    @Test
    void cleanOpusAt32KbpsPassesWithItsDelayFound() {
        short[] recording = opusCall(clip, 32, p -> p);
        assertAbove("clean Opus 32 kbps, delay 1234", recording);
        // Opus adds its own algorithmic delay (6.5 ms = 312 samples) on top of ours.
        assertThat(Fidelity.score(clip, recording).lagSamples()).isBetween(DELAY, DELAY + 400);
    }

    @Test
    void cleanOpusAt64KbpsPasses() {
        FidelityResult at64 = scored("clean Opus 64 kbps", opusCall(clip, 64, p -> p));
        FidelityResult at32 = Fidelity.score(clip, opusCall(clip, 32, p -> p));
        assertThat(at64.score()).as("64 kbps %s vs 32 kbps %s", at64, at32).isGreaterThan(at32.score());
        assertThat(at64.passed()).isTrue();
    }

    @Test
    void silenceFails() {
        assertBelow("silence", new short[clip.length + DELAY]);
    }

    @Test
    void aDifferentClipFails() throws IOException {
        assertBelow("time-reversed clip via Opus", opusCall(TestSignals.reversed(clip), 32, p -> p));
        short[] other = Wav.readMono48k(getClass().getResourceAsStream("/dev/parley/codec/clips/other-sentence-22k.wav"),
                "other-sentence-22k.wav");
        assertBelow("different sentence via Opus", opusCall(other, 32, p -> p));
    }

    @Test
    void everyThirdFrameZeroedFails() {
        short[] recording = opusCall(clip, 32, p -> p);
        for (int f = 2; DELAY + (f + 1) * 960 <= recording.length; f += 3) {
            Arrays.fill(recording, DELAY + f * 960, DELAY + (f + 1) * 960, (short) 0);
        }
        assertBelow("clean 32 kbps, every third 20 ms frame zeroed", recording);
    }

    @Test
    void garbledStreamsFail() {
        SplittableRandom random = new SplittableRandom(111);
        assertBelow("Opus payload bytes scrambled (TOC kept)", opusCall(clip, 32, p -> {
            for (int i = 1; i < p.length; i++) {
                p[i] = (byte) random.nextInt(256);
            }
            return p;
        }));
        assertBelow("every packet lost (PLC only)", opusCall(clip, 32, p -> null));
    }

    @Test
    void alignmentIgnoresLeadingSilenceAndTailAndIsGainInvariant() {
        short[] padded = new short[72_000 + clip.length + 48_000];
        for (int i = 0; i < clip.length; i++) {
            padded[72_000 + i] = (short) (clip[i] / 2);
        }
        FidelityResult delayed = scored("clip at half volume after 1.5 s silence", padded);
        assertThat(delayed.lagSamples()).isEqualTo(72_000);
        assertThat(delayed.score()).isGreaterThan(0.99);

        short[] early = Arrays.copyOfRange(clip, 14_400, clip.length); // recording missed the first 0.3 s
        FidelityResult missing = Fidelity.score(clip, early);
        assertThat(missing.lagSamples()).isEqualTo(-14_400);
    }

    @Test
    void rejectsAReferenceWithoutSpeech() {
        assertThatThrownBy(() -> Fidelity.score(new short[48_000], clip))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("reference: 0 active windows (expected: >= 2, i.e. speech)");
    }
}
