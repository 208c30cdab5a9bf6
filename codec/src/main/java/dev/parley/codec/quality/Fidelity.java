package dev.parley.codec.quality;

import dev.parley.codec.AudioFormats;
import java.util.Arrays;
import org.jtransforms.fft.DoubleFFT_1D;

/**
 * Objective speech fidelity of a recording against the reference it should reproduce, both
 * 48 kHz mono. Built for end-to-end call tests: high for a clean Opus call, clearly lower when
 * audio is missing, gated, garbled, or different.
 *
 * <ol>
 *   <li><b>Alignment.</b> The lag maximizing the FFT cross-correlation (JTransforms) within
 *       ±{@link #MAX_LAG_SAMPLES} (2 s) aligns the recording; leading silence and extra tail
 *       in the recording are ignored, missing parts count as silence. Then each
 *       {@value #SEGMENT_SAMPLES}-sample (0.4 s) segment of the reference is re-aligned within
 *       ±{@value #MAX_DRIFT_SAMPLES} samples (200 ms) of that lag, because an adaptive jitter
 *       buffer changes the delay during a call (by stretching or dropping frames); PESQ (ITU-T
 *       P.862) re-aligns per utterance for the same reason. Segments whose reference is nearly
 *       silent keep the previous segment's lag; each 5 ms block takes the best-matching lag of its
 *       own or a neighbouring segment, so a delay change inside a segment is followed.</li>
 *   <li><b>Frames.</b> 10 ms Hann windows every 5 ms (shorter than a 20 ms codec frame, so a lost
 *       or zeroed frame fully covers some windows). A window is active when the reference's
 *       100–7000 Hz energy is within 40 dB of its loudest window.</li>
 *   <li><b>Spectral term.</b> Log power spectra (100–7000 Hz) of both signals, each minus its
 *       long-term mean over active windows (removing shared spectral tilt and any fixed
 *       equalization), are correlated per active window (Pearson, negatives as 0) and averaged.</li>
 *   <li><b>Envelope term.</b> Pearson correlation of the two log-energy trajectories over active
 *       windows, each floored 60 dB below its own loudest window: gaps and gating show as deep dips.</li>
 * </ol>
 * The score is their product. Both terms are gain-invariant.
 *
 * <p>Calibration on the bundled clip (see {@code FidelityTest}): Opus 32 kbps ≈ 0.87, 64 kbps ≈
 * 0.93; every third 20 ms frame zeroed ≈ 0.24; scrambled Opus payloads, a different sentence or
 * the time-reversed clip ≤ 0.02; silence 0.
 */
public final class Fidelity {
    /** Scores at or above this pass: midway between clean speech codecs and broken streams. */
    public static final double PASS_THRESHOLD = 0.6;
    /** Largest alignment offset searched either way: 2 s at 48 kHz. */
    public static final int MAX_LAG_SAMPLES = 2 * AudioFormats.SAMPLE_RATE_HZ;

    static final int SEGMENT_SAMPLES = 19_200;
    static final int MAX_DRIFT_SAMPLES = 9_600;
    static final int WINDOW_SAMPLES = 480;
    static final int HOP_SAMPLES = 240;
    private static final int FFT_SIZE = 512;
    private static final double LOW_HZ = 100;
    private static final double HIGH_HZ = 7000;
    private static final double ACTIVE_RANGE = 1e-4;      // 40 dB
    private static final double ENVELOPE_FLOOR = 1e-6;    // 60 dB
    private static final double SPECTRUM_FLOOR = 1e-7;    // 70 dB below the mean bin of the loudest window

    private Fidelity() {
    }

    /**
     * Scores {@code recording} against {@code reference}.
     *
     * @param reference what was sent, 48 kHz mono
     * @param recording what was received, 48 kHz mono, any length
     * @return the score and its parts
     * @throws IllegalArgumentException if the reference has no active (non-silent) window
     */
    public static FidelityResult score(short[] reference, short[] recording) {
        int lag = align(reference, recording);
        int[] segmentLags = segmentLags(reference, recording, lag);
        double[] ref = new double[reference.length];
        double[] rec = new double[reference.length];
        for (int i = 0; i < ref.length; i++) {
            ref[i] = reference[i] / 32768.0;
        }
        for (int from = 0; from < ref.length; from += HOP_SAMPLES) {
            int blockLag = blockLag(reference, recording, segmentLags, from);
            for (int i = from; i < Math.min(ref.length, from + HOP_SAMPLES); i++) {
                int j = i + blockLag;
                rec[i] = j >= 0 && j < recording.length ? recording[j] / 32768.0 : 0;
            }
        }
        Analysis a = Analysis.of(ref);
        Analysis b = Analysis.of(rec);
        boolean[] active = new boolean[a.energy.length];
        int count = 0;
        for (int f = 0; f < active.length; f++) {
            active[f] = a.energy[f] > a.maxEnergy * ACTIVE_RANGE && a.energy[f] > 0;
            count += active[f] ? 1 : 0;
        }
        if (count < 2) {
            throw new IllegalArgumentException("reference: " + count + " active windows (expected: >= 2, i.e. speech)");
        }
        double spectral = spectralCorrelation(a, b, active, count);
        double envelope = envelopeCorrelation(a, b, active, count);
        return new FidelityResult(spectral * envelope, lag, spectral, envelope, count,
                segmentLags[segmentLags.length - 1]);
    }

    /**
     * A delay change falls inside some segment, so each {@link #HOP_SAMPLES} block takes whichever
     * lag of its own and the neighbouring segments best matches the window starting there
     * (normalized correlation), so that the audio on both sides of the change is aligned.
     */
    private static int blockLag(short[] reference, short[] recording, int[] segmentLags, int from) {
        int s = from / SEGMENT_SAMPLES;
        int own = segmentLags[s];
        int best = own;
        double bestValue = Double.NEGATIVE_INFINITY;
        for (int c = Math.max(0, s - 1); c <= Math.min(segmentLags.length - 1, s + 1); c++) {
            int candidate = segmentLags[c];
            if (c != s && candidate == own) {
                continue;
            }
            double dot = 0;
            double energy = 1e-9;
            for (int i = from; i < Math.min(reference.length, from + WINDOW_SAMPLES); i++) {
                int j = i + candidate;
                double r = j >= 0 && j < recording.length ? recording[j] : 0;
                dot += reference[i] * r;
                energy += r * r;
            }
            double value = dot / Math.sqrt(energy);
            if (value > bestValue + 1e-9) {
                bestValue = value;
                best = candidate;
            }
        }
        return best;
    }

    /**
     * @return for each {@link #SEGMENT_SAMPLES} segment of the reference, the lag within
     *     ±{@link #MAX_DRIFT_SAMPLES} of {@code globalLag} maximizing the segment's cross-correlation
     */
    static int[] segmentLags(short[] reference, short[] recording, int globalLag) {
        int segments = Math.max(1, (reference.length + SEGMENT_SAMPLES - 1) / SEGMENT_SAMPLES);
        int[] lags = new int[segments];
        double maxEnergy = 0;
        double[] energy = new double[segments];
        for (int s = 0; s < segments; s++) {
            for (int i = s * SEGMENT_SAMPLES; i < Math.min(reference.length, (s + 1) * SEGMENT_SAMPLES); i++) {
                energy[s] += (double) reference[i] * reference[i];
            }
            maxEnergy = Math.max(maxEnergy, energy[s]);
        }
        int n = Integer.highestOneBit(2 * SEGMENT_SAMPLES + 2 * MAX_DRIFT_SAMPLES) * 2;
        DoubleFFT_1D fft = new DoubleFFT_1D(n);
        double[] a = new double[n];
        double[] b = new double[n];
        int previous = globalLag;
        for (int s = 0; s < segments; s++) {
            lags[s] = previous;
            if (energy[s] < maxEnergy * 1e-3) {
                continue; // (nearly) silent: nothing to align on
            }
            int from = s * SEGMENT_SAMPLES;
            int to = Math.min(reference.length, from + SEGMENT_SAMPLES);
            int base = from + globalLag - MAX_DRIFT_SAMPLES; // recording index of correlation lag 0
            Arrays.fill(a, 0);
            Arrays.fill(b, 0);
            for (int i = from; i < to; i++) {
                a[i - from] = reference[i];
            }
            for (int k = 0; k < to - from + 2 * MAX_DRIFT_SAMPLES; k++) {
                int j = base + k;
                b[k] = j >= 0 && j < recording.length ? recording[j] : 0;
            }
            fft.realForward(a);
            fft.realForward(b);
            a[0] *= b[0];
            a[1] *= b[1];
            for (int k = 1; k < n / 2; k++) {
                double ar = a[2 * k], ai = a[2 * k + 1], br = b[2 * k], bi = b[2 * k + 1];
                a[2 * k] = ar * br + ai * bi;
                a[2 * k + 1] = ar * bi - ai * br;
            }
            fft.realInverse(a, true);
            int best = MAX_DRIFT_SAMPLES;
            double bestValue = Double.NEGATIVE_INFINITY;
            for (int k = 0; k <= 2 * MAX_DRIFT_SAMPLES; k++) {
                if (a[k] > bestValue) {
                    bestValue = a[k];
                    best = k;
                }
            }
            lags[s] = bestValue > 0 ? globalLag - MAX_DRIFT_SAMPLES + best : previous;
            previous = lags[s];
        }
        return lags;
    }

    /**
     * @return the lag in [-MAX_LAG_SAMPLES, MAX_LAG_SAMPLES] maximizing Σ reference[n]·recording[n + lag]
     */
    static int align(short[] reference, short[] recording) {
        int recLength = (int) Math.min(recording.length, (long) reference.length + MAX_LAG_SAMPLES);
        int n = Integer.highestOneBit(Math.max(2, reference.length + recLength)) * 2;
        double[] a = new double[n];
        double[] b = new double[n];
        for (int i = 0; i < reference.length; i++) {
            a[i] = reference[i];
        }
        for (int i = 0; i < recLength; i++) {
            b[i] = recording[i];
        }
        DoubleFFT_1D fft = new DoubleFFT_1D(n);
        fft.realForward(a);
        fft.realForward(b);
        // conj(A)·B in JTransforms' packed layout: a[0]=Re0, a[1]=Re(n/2), a[2k]/a[2k+1]=Re/Im k.
        a[0] *= b[0];
        a[1] *= b[1];
        for (int k = 1; k < n / 2; k++) {
            double ar = a[2 * k], ai = a[2 * k + 1], br = b[2 * k], bi = b[2 * k + 1];
            a[2 * k] = ar * br + ai * bi;
            a[2 * k + 1] = ar * bi - ai * br;
        }
        fft.realInverse(a, true);
        int best = 0;
        double bestValue = Double.NEGATIVE_INFINITY;
        for (int lag = -MAX_LAG_SAMPLES; lag <= MAX_LAG_SAMPLES; lag++) {
            if (lag >= recLength || -lag >= reference.length) {
                continue; // no overlap
            }
            double v = a[Math.floorMod(lag, n)];
            if (v > bestValue) {
                bestValue = v;
                best = lag;
            }
        }
        return best;
    }

    private static double spectralCorrelation(Analysis a, Analysis b, boolean[] active, int count) {
        int bins = a.logSpectra[0].length;
        double[] meanA = new double[bins];
        double[] meanB = new double[bins];
        for (int f = 0; f < active.length; f++) {
            if (active[f]) {
                for (int k = 0; k < bins; k++) {
                    meanA[k] += a.logSpectra[f][k] / count;
                    meanB[k] += b.logSpectra[f][k] / count;
                }
            }
        }
        double[] x = new double[bins];
        double[] y = new double[bins];
        double sum = 0;
        for (int f = 0; f < active.length; f++) {
            if (active[f]) {
                for (int k = 0; k < bins; k++) {
                    x[k] = a.logSpectra[f][k] - meanA[k];
                    y[k] = b.logSpectra[f][k] - meanB[k];
                }
                sum += Math.max(0, pearson(x, y, bins));
            }
        }
        return sum / count;
    }

    private static double envelopeCorrelation(Analysis a, Analysis b, boolean[] active, int count) {
        double[] x = new double[count];
        double[] y = new double[count];
        double floorA = a.maxEnergy * ENVELOPE_FLOOR + Double.MIN_NORMAL;
        double floorB = b.maxEnergy * ENVELOPE_FLOOR + Double.MIN_NORMAL;
        for (int f = 0, i = 0; f < active.length; f++) {
            if (active[f]) {
                x[i] = Math.log10(Math.max(a.energy[f], floorA));
                y[i] = Math.log10(Math.max(b.energy[f], floorB));
                i++;
            }
        }
        return Math.max(0, pearson(x, y, count));
    }

    /** Pearson correlation of the first n elements; 0 when either is constant. */
    static double pearson(double[] x, double[] y, int n) {
        double mx = 0;
        double my = 0;
        for (int i = 0; i < n; i++) {
            mx += x[i];
            my += y[i];
        }
        mx /= n;
        my /= n;
        double sxy = 0;
        double sxx = 0;
        double syy = 0;
        for (int i = 0; i < n; i++) {
            double dx = x[i] - mx;
            double dy = y[i] - my;
            sxy += dx * dy;
            sxx += dx * dx;
            syy += dy * dy;
        }
        return sxx <= 0 || syy <= 0 ? 0 : sxy / Math.sqrt(sxx * syy);
    }

    /** Per-window band energy and floored log power spectra of one signal. */
    private record Analysis(double[] energy, double maxEnergy, double[][] logSpectra) {
        static Analysis of(double[] s) {
            int frames = Math.max(0, (s.length - WINDOW_SAMPLES) / HOP_SAMPLES + 1);
            int lo = (int) Math.ceil(LOW_HZ * FFT_SIZE / AudioFormats.SAMPLE_RATE_HZ);
            int hi = (int) Math.floor(HIGH_HZ * FFT_SIZE / AudioFormats.SAMPLE_RATE_HZ);
            int bins = hi - lo + 1;
            double[] window = new double[WINDOW_SAMPLES];
            for (int i = 0; i < WINDOW_SAMPLES; i++) {
                window[i] = 0.5 - 0.5 * Math.cos(2 * Math.PI * (i + 0.5) / WINDOW_SAMPLES);
            }
            DoubleFFT_1D fft = new DoubleFFT_1D(FFT_SIZE);
            double[] buf = new double[FFT_SIZE];
            double[][] power = new double[frames][bins];
            double[] energy = new double[frames];
            double maxEnergy = 0;
            for (int f = 0; f < frames; f++) {
                Arrays.fill(buf, 0);
                for (int i = 0; i < WINDOW_SAMPLES; i++) {
                    buf[i] = s[f * HOP_SAMPLES + i] * window[i];
                }
                fft.realForward(buf);
                double e = 0;
                for (int k = 0; k < bins; k++) {
                    double re = buf[2 * (lo + k)];
                    double im = buf[2 * (lo + k) + 1];
                    power[f][k] = re * re + im * im;
                    e += power[f][k];
                }
                energy[f] = e;
                maxEnergy = Math.max(maxEnergy, e);
            }
            double floor = maxEnergy / bins * SPECTRUM_FLOOR + Double.MIN_NORMAL;
            for (double[] row : power) {
                for (int k = 0; k < bins; k++) {
                    row[k] = Math.log10(Math.max(row[k], floor));
                }
            }
            return new Analysis(energy, maxEnergy, power);
        }
    }
}
