package dev.parley.codec;

/** Deterministic signals for codec tests. */
public final class TestSignals {
    private TestSignals() {
    }

    /** A sine of the given frequency and peak amplitude (0..1) at {@code rateHz}. */
    public static double[] sine(double freqHz, double amplitude, int rateHz, int samples) {
        double[] s = new double[samples];
        for (int i = 0; i < samples; i++) {
            s[i] = amplitude * Math.sin(2 * Math.PI * freqHz * i / rateHz);
        }
        return s;
    }

    public static short[] toPcm16(double[] s) {
        short[] out = new short[s.length];
        for (int i = 0; i < s.length; i++) {
            out[i] = (short) Math.round(Math.max(-1, Math.min(32767.0 / 32768, s[i])) * 32768);
        }
        return out;
    }

    /** Power of {@code s} at {@code freqHz} (Goertzel), normalized so a unit sine gives ~0.25·n². */
    public static double goertzel(short[] s, int from, int to, double freqHz, int rateHz) {
        double w = 2 * Math.PI * freqHz / rateHz;
        double coeff = 2 * Math.cos(w);
        double s1 = 0;
        double s2 = 0;
        for (int i = from; i < to; i++) {
            double s0 = s[i] / 32768.0 + coeff * s1 - s2;
            s2 = s1;
            s1 = s0;
        }
        return s1 * s1 + s2 * s2 - coeff * s1 * s2;
    }

    public static double rms(short[] s, int from, int to) {
        double sum = 0;
        for (int i = from; i < to; i++) {
            sum += (s[i] / 32768.0) * (s[i] / 32768.0);
        }
        return Math.sqrt(sum / Math.max(1, to - from));
    }

    public static short[] reversed(short[] s) {
        short[] r = new short[s.length];
        for (int i = 0; i < s.length; i++) {
            r[i] = s[s.length - 1 - i];
        }
        return r;
    }
}
