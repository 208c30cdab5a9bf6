package dev.parley.codec.audio;

import java.util.Arrays;

/**
 * Streaming sample-rate converter: band-limited interpolation with a Kaiser-windowed sinc kernel
 * evaluated on a polyphase table (Smith, "Digital Audio Resampling", CCRMA).
 *
 * <p>For a reduced ratio {@code out/in = L/M}, output sample {@code n} sits at input time
 * {@code t = n·M/L}; it is the sum of {@code 2K} input samples around {@code t} weighted by
 * {@code h(t−k) = fc·sinc(fc·(t−k))·kaiser((t−k)/K)}, where the cutoff {@code fc} (relative to the
 * input Nyquist) is {@value #ROLLOFF} × min(1, out/in), so downsampling is anti-aliased and
 * upsampling suppresses images. The phase table has one row per distinct fractional position
 * (at most {@value #MAX_PHASES}; beyond that positions are rounded to 1/{@value #MAX_PHASES} of a
 * sample, an error below −65 dB). Each row is normalized to unit DC gain. The output is aligned
 * with the input (no added delay): {@code ceil(inputs·L/M)} samples in total after {@link #flush()}.
 * Equal rates pass samples through unchanged.
 *
 * <p>Not thread-safe.
 */
public final class Resampler {
    /** Zero crossings of the sinc kernel on each side (at the cutoff frequency). */
    static final int ZERO_CROSSINGS = 24;
    /** Passband edge as a fraction of the lower Nyquist frequency. */
    static final double ROLLOFF = 0.92;
    /** Kaiser window shape: ~80 dB stopband. */
    static final double KAISER_BETA = 8.0;
    static final int MAX_PHASES = 4096;

    private final long up;     // L
    private final long down;   // M
    private final int phases;
    private final int halfTaps; // K
    private final float[][] table;

    private float[] buf;
    private long bufStart;     // absolute input index of buf[0]
    private int bufLen;
    private long inputCount;   // real (non-padding) inputs seen
    private long nextOut;      // index n of the next output sample
    private boolean flushed;

    /**
     * @param inRateHz  input sample rate, 1000..384000 Hz
     * @param outRateHz output sample rate, 1000..384000 Hz
     * @throws IllegalArgumentException if a rate is out of range
     */
    public Resampler(int inRateHz, int outRateHz) {
        checkRate("inRateHz", inRateHz);
        checkRate("outRateHz", outRateHz);
        long g = gcd(inRateHz, outRateHz);
        this.up = outRateHz / g;
        this.down = inRateHz / g;
        this.phases = (int) Math.min(up, MAX_PHASES);
        double fc = ROLLOFF * Math.min(1.0, (double) outRateHz / inRateHz);
        this.halfTaps = (int) Math.ceil(ZERO_CROSSINGS / fc);
        this.table = buildTable(fc);
        this.buf = new float[Math.max(4096, 4 * halfTaps)];
        this.bufStart = -halfTaps; // virtual zeros before the first input
        this.bufLen = halfTaps;
    }

    /**
     * One-shot conversion of a whole signal.
     *
     * @return {@code ceil(in.length · out/in)} samples
     */
    public static float[] resample(float[] in, int inRateHz, int outRateHz) {
        Resampler r = new Resampler(inRateHz, outRateHz);
        float[] head = r.process(in, 0, in.length);
        float[] tail = r.flush();
        float[] all = Arrays.copyOf(head, head.length + tail.length);
        System.arraycopy(tail, 0, all, head.length, tail.length);
        return all;
    }

    /**
     * Feeds input samples and returns every output sample that is now computable.
     *
     * @return the new output samples (possibly empty)
     * @throws IllegalStateException after {@link #flush()}
     */
    public float[] process(float[] in, int off, int len) {
        if (flushed) {
            throw new IllegalStateException("resampler: flushed");
        }
        if (up == down) {
            return Arrays.copyOfRange(in, off, off + len); // same rate: exact pass-through
        }
        append(in, off, len);
        inputCount += len;
        return drain();
    }

    /**
     * Ends the input: pads with zeros and returns the remaining output samples.
     *
     * @return the final output samples; afterwards the resampler is done
     */
    public float[] flush() {
        if (flushed) {
            return new float[0];
        }
        flushed = true;
        if (up == down) {
            return new float[0];
        }
        append(new float[halfTaps + 1], 0, halfTaps + 1); // virtual zeros after the last input
        return drain();
    }

    private float[] drain() {
        long haveUpTo = bufStart + bufLen; // exclusive end of buffered input indices
        long limit = flushed ? (inputCount * up + down - 1) / down : Long.MAX_VALUE;
        float[] out = new float[16];
        int count = 0;
        while (nextOut < limit) {
            long num = nextOut * down;
            long i = num / up;
            long r = num % up;
            int phase = phases == up ? (int) r : (int) ((r * phases + up / 2) / up);
            if (phase == phases) {
                phase = 0;
                i++;
            }
            long first = i - halfTaps + 1;
            if (i + halfTaps >= haveUpTo) {
                break;
            }
            float[] h = table[phase];
            int base = (int) (first - bufStart);
            double acc = 0;
            for (int j = 0; j < h.length; j++) {
                acc += buf[base + j] * h[j];
            }
            if (count == out.length) {
                out = Arrays.copyOf(out, out.length * 2);
            }
            out[count++] = (float) acc;
            nextOut++;
        }
        compact();
        return Arrays.copyOf(out, count);
    }

    private void append(float[] in, int off, int len) {
        if (bufLen + len > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, bufLen + len));
        }
        System.arraycopy(in, off, buf, bufLen, len);
        bufLen += len;
    }

    /** Drops input samples no future output needs. */
    private void compact() {
        long nextI = nextOut * down / up;
        long keepFrom = nextI - halfTaps; // one spare for phase rounding up
        int drop = (int) Math.max(0, Math.min(bufLen, keepFrom - bufStart));
        if (drop > 0) {
            System.arraycopy(buf, drop, buf, 0, bufLen - drop);
            bufLen -= drop;
            bufStart += drop;
        }
    }

    private float[][] buildTable(double fc) {
        int taps = 2 * halfTaps;
        float[][] t = new float[phases][taps];
        double i0Beta = besselI0(KAISER_BETA);
        for (int p = 0; p < phases; p++) {
            double frac = (double) p / phases;
            double sum = 0;
            double[] row = new double[taps];
            for (int j = 0; j < taps; j++) {
                double x = frac + halfTaps - 1 - j; // t − k for k = i − K + 1 + j
                double ratio = x / halfTaps;
                double window = Math.abs(ratio) >= 1 ? 0 : besselI0(KAISER_BETA * Math.sqrt(1 - ratio * ratio)) / i0Beta;
                row[j] = fc * sinc(fc * x) * window;
                sum += row[j];
            }
            for (int j = 0; j < taps; j++) {
                t[p][j] = (float) (row[j] / sum);
            }
        }
        return t;
    }

    private static double sinc(double x) {
        if (Math.abs(x) < 1e-12) {
            return 1;
        }
        double px = Math.PI * x;
        return Math.sin(px) / px;
    }

    /** Zeroth-order modified Bessel function of the first kind, by its power series. */
    static double besselI0(double x) {
        double sum = 1;
        double term = 1;
        double q = x * x / 4;
        for (int k = 1; k < 64 && term > 1e-12 * sum; k++) {
            term *= q / ((double) k * k);
            sum += term;
        }
        return sum;
    }

    private static long gcd(long a, long b) {
        while (b != 0) {
            long t = a % b;
            a = b;
            b = t;
        }
        return a;
    }

    private static void checkRate(String name, int rate) {
        if (rate < 1000 || rate > 384_000) {
            throw new IllegalArgumentException(name + ": " + rate + " (expected: 1000..384000)");
        }
    }
}
