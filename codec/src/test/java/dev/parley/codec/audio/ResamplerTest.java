package dev.parley.codec.audio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.parley.codec.TestSignals;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ResamplerTest {

    @ParameterizedTest(name = "{0} Hz -> 48 kHz")
    @ValueSource(ints = {8000, 11025, 16000, 22050, 24000, 32000, 44100, 44056, 96000})
    void convertsAToneToTheRightFrequencyLevelAndLength(int inRate) {
        int inSamples = inRate; // 1 s
        float[] in = toFloat(TestSignals.sine(1000, 0.5, inRate, inSamples));
        float[] out = Resampler.resample(in, inRate, 48_000);
        assertThat(out.length).isEqualTo((int) Math.ceil(inSamples * 48_000.0 / inRate));
        // Compare against the ideal 48 kHz sine away from the edges: phase-aligned, no delay.
        double[] ideal = TestSignals.sine(1000, 0.5, 48_000, out.length);
        double signal = 0;
        double error = 0;
        for (int i = 4800; i < out.length - 4800; i++) {
            signal += ideal[i] * ideal[i];
            error += (out[i] - ideal[i]) * (out[i] - ideal[i]);
        }
        double snrDb = 10 * Math.log10(signal / error);
        assertThat(snrDb).as("SNR of %d Hz -> 48 kHz", inRate).isGreaterThan(60);
    }

    @Test
    void downsamplingRejectsContentAboveTheNewNyquist() {
        float[] in = toFloat(TestSignals.sine(6000, 0.5, 48_000, 48_000)); // above 4 kHz
        float[] out = Resampler.resample(in, 48_000, 8000);
        double rms = 0;
        for (int i = 800; i < out.length - 800; i++) {
            rms += out[i] * out[i];
        }
        rms = Math.sqrt(rms / (out.length - 1600));
        assertThat(20 * Math.log10(rms / (0.5 / Math.sqrt(2)))).as("alias level dB").isLessThan(-60);
    }

    @Test
    void streamingInRandomChunksEqualsOneShot() {
        SplittableRandom random = new SplittableRandom(44_100);
        float[] in = new float[30_000];
        for (int i = 0; i < in.length; i++) {
            in[i] = (float) (random.nextDouble() - 0.5);
        }
        float[] whole = Resampler.resample(in, 22_050, 48_000);
        Resampler streaming = new Resampler(22_050, 48_000);
        float[] pieces = new float[0];
        for (int at = 0; at < in.length; ) {
            int n = Math.min(in.length - at, random.nextInt(0, 3000));
            pieces = concat(pieces, streaming.process(in, at, n));
            at += n;
        }
        pieces = concat(pieces, streaming.flush());
        assertThat(pieces).containsExactly(whole);
        assertThat(streaming.flush()).isEmpty();
        assertThatThrownBy(() -> streaming.process(in, 0, 1)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void sameRateIsIdentityWithinRounding() {
        float[] in = toFloat(TestSignals.sine(440, 0.7, 48_000, 5000));
        float[] out = Resampler.resample(in, 48_000, 48_000);
        assertThat(out).hasSize(in.length);
        for (int i = 0; i < in.length; i++) {
            assertThat(out[i]).isCloseTo(in[i], Offset.offset(1e-5f));
        }
    }

    @Test
    void rejectsImplausibleRates() {
        assertThatThrownBy(() -> new Resampler(999, 48_000)).hasMessage("inRateHz: 999 (expected: 1000..384000)");
        assertThatThrownBy(() -> new Resampler(48_000, 0)).hasMessage("outRateHz: 0 (expected: 1000..384000)");
    }

    static float[] toFloat(double[] d) {
        float[] f = new float[d.length];
        for (int i = 0; i < d.length; i++) {
            f[i] = (float) d[i];
        }
        return f;
    }

    private static float[] concat(float[] a, float[] b) {
        float[] c = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }
}
