package dev.parley.codec.quality;

import dev.parley.codec.AudioFormats;

/**
 * The ITU-T G.107 (06/2015) E-model: transmission rating R and estimated MOS (conversational
 * quality, narrowband scale) from loudness, noise, echo, delay and codec/loss impairments.
 *
 * <p>R = Ro − Is − Id − Ie,eff + A (G.107 §7.1), with every formula of §7.2–7.5 and the default
 * values of G.107 Table 3, where the defaults give R = 93.2. MOS from R per G.107 Annex B.
 *
 * <p><b>Opus values.</b> No ITU-T table lists Opus on this (narrowband) scale: G.113 Appendix I
 * covers narrowband codecs only. We use {@link #OPUS_IE} = 0, because Opus at ≥ 24 kbit/s is at
 * least as clean as the scale's G.711 reference, and {@link #OPUS_BPL} = 25.1, the G.113
 * Appendix I (Table I.3) packet-loss robustness factor of G.711 with its Appendix I PLC, as a
 * conservative stand-in for Opus PLC. Loss is the loss <em>after</em> FEC (what had to be
 * concealed), with the measured burst ratio. These are our assumptions, not ITU-T values.
 */
public final class EModel {
    /** Equipment impairment factor used for Opus (see the class comment for the source). */
    public static final double OPUS_IE = 0;
    /** Packet-loss robustness factor used for Opus: G.113 Appendix I value for G.711 with PLC. */
    public static final double OPUS_BPL = 25.1;
    /** Delay added per direction by the codec path beyond the jitter buffer: one 20 ms frame + 6.5 ms Opus lookahead. */
    public static final double CODEC_DELAY_MS = AudioFormats.FRAME_MS + 6.5;

    /**
     * G.107 input parameters (Table 3 names and units).
     *
     * @param slr    send loudness rating, dB
     * @param rlr    receive loudness rating, dB
     * @param stmr   sidetone masking rating, dB
     * @param lstr   listener sidetone rating, dB
     * @param ds     D-value of telephone, send side
     * @param dr     D-value of telephone, receive side (kept for completeness; the formulas use Ds)
     * @param telr   talker echo loudness rating, dB
     * @param wepl   weighted echo path loss, dB
     * @param t      mean one-way delay of the echo path, ms
     * @param tr     round-trip delay in a 4-wire loop, ms
     * @param ta     absolute delay in echo-free connections (mouth to ear), ms
     * @param qdu    number of quantization distortion units
     * @param ie     equipment impairment factor
     * @param bpl    packet-loss robustness factor
     * @param ppl    random packet-loss probability, %
     * @param burstR burst ratio (1 = random loss)
     * @param nc     circuit noise referred to the 0 dBr point, dBm0p
     * @param nfor   noise floor at the receive side, dBmp
     * @param ps     room noise at the send side, dB(A)
     * @param pr     room noise at the receive side, dB(A)
     * @param a      advantage factor
     */
    public record Parameters(double slr, double rlr, double stmr, double lstr, double ds, double dr, double telr,
                             double wepl, double t, double tr, double ta, double qdu, double ie, double bpl,
                             double ppl, double burstR, double nc, double nfor, double ps, double pr, double a) {
        /** G.107 Table 3 default values. */
        public static final Parameters DEFAULTS = new Parameters(8, 2, 15, 18, 3, 3, 65, 110, 0, 0, 0, 1, 0, 4.3,
                0, 1, -70, -64, 35, 35, 0);

        /**
         * @param oneWayMs mouth-to-ear delay, ms: sets T = Ta = oneWayMs and Tr = 2·oneWayMs
         * @return a copy with the delays set
         */
        public Parameters withDelay(double oneWayMs) {
            return new Parameters(slr, rlr, stmr, lstr, ds, dr, telr, wepl, oneWayMs, 2 * oneWayMs, oneWayMs, qdu, ie,
                    bpl, ppl, burstR, nc, nfor, ps, pr, a);
        }

        /** @return a copy with the codec and loss factors set */
        public Parameters withLoss(double ie, double bpl, double pplPercent, double burstR) {
            return new Parameters(slr, rlr, stmr, lstr, ds, dr, telr, wepl, t, tr, ta, qdu, ie, bpl, pplPercent, burstR,
                    nc, nfor, ps, pr, a);
        }
    }

    private EModel() {
    }

    /**
     * @return the rating factor R (G.107 §7.1), typically 0..93.2 for narrowband
     * @throws IllegalArgumentException if a delay, loss or burst ratio is negative, or qdu/burstR &lt; 1
     */
    public static double rating(Parameters p) {
        if (p.t() < 0 || p.tr() < 0 || p.ta() < 0 || p.ppl() < 0 || p.ppl() > 100 || p.burstR() < 1 || p.qdu() < 1) {
            throw new IllegalArgumentException("eModel: " + p + " (expected: delays >= 0, 0 <= Ppl <= 100, BurstR >= 1, qdu >= 1)");
        }
        double olr = p.slr() + p.rlr();
        // §7.2 basic signal-to-noise ratio
        double nos = p.ps() - p.slr() - p.ds() - 100 + 0.004 * sq(p.ps() - olr - p.ds() - 14);
        double pre = p.pr() + 10 * Math.log10(1 + Math.pow(10, (10 - p.lstr()) / 10));
        double nor = p.rlr() - 121 + pre + 0.008 * sq(pre - 35);
        double nfo = p.nfor() + p.rlr();
        double no = 10 * Math.log10(Math.pow(10, p.nc() / 10) + Math.pow(10, nos / 10) + Math.pow(10, nor / 10)
                + Math.pow(10, nfo / 10));
        double ro = 15 - 1.5 * (p.slr() + no);
        // §7.3 simultaneous impairment factor
        double xolr = olr + 0.2 * (64 + no - p.rlr());
        double iolr = 20 * (Math.pow(1 + Math.pow(xolr / 8, 8), 1 / 8.0) - xolr / 8);
        double stmro = -10 * Math.log10(Math.pow(10, -p.stmr() / 10) + Math.exp(-p.t() / 4) * Math.pow(10, -p.telr() / 10));
        double ist = 12 * Math.pow(1 + Math.pow((stmro - 13) / 6, 8), 1 / 8.0)
                - 28 * Math.pow(1 + Math.pow((stmro + 1) / 19.4, 35), 1 / 35.0)
                - 13 * Math.pow(1 + Math.pow((stmro - 3) / 33, 13), 1 / 13.0) + 29;
        double q = 37 - 15 * Math.log10(p.qdu());
        double g = 1.07 + 0.258 * q + 0.0602 * q * q;
        double y = (ro - 100) / 15 + 46 / 8.4 - g / 9;
        double z = 46 / 30.0 - g / 40;
        double iq = 15 * Math.log10(1 + Math.pow(10, y) + Math.pow(10, z));
        double is = iolr + ist + iq;
        // §7.4 delay impairment factor
        double terv = p.telr() - 40 * Math.log10((1 + p.t() / 10) / (1 + p.t() / 150)) + 6 * Math.exp(-0.3 * p.t() * p.t());
        if (p.stmr() < 9) {
            terv += ist / 2;
        }
        double roe = -1.5 * (no - p.rlr());
        double re = 80 + 2.5 * (terv - 14);
        double idte = ((roe - re) / 2 + Math.sqrt(sq(roe - re) / 4 + 100) - 1) * (1 - Math.exp(-p.t()));
        if (p.stmr() > 20) {
            idte = Math.sqrt(idte * idte + ist * ist);
        }
        double rle = 10.5 * (p.wepl() + 7) * Math.pow(p.tr() + 1, -0.25);
        double idle = (ro - rle) / 2 + Math.sqrt(sq(ro - rle) / 4 + 169);
        double id = idte + idle + delayImpairmentIdd(p.ta());
        return ro - is - id - effectiveEquipmentImpairment(p.ie(), p.ppl(), p.burstR(), p.bpl()) + p.a();
    }

    /**
     * G.107 §7.4 Idd, the impairment of absolute delay (default sensitivity sT = 1, mT = 100 ms).
     *
     * @param taMs absolute one-way delay, ms
     */
    public static double delayImpairmentIdd(double taMs) {
        if (taMs <= 100) {
            return 0;
        }
        double x = Math.log10(taMs / 100) / Math.log10(2);
        return 25 * (Math.pow(1 + Math.pow(x, 6), 1 / 6.0) - 3 * Math.pow(1 + Math.pow(x / 3, 6), 1 / 6.0) + 2);
    }

    /**
     * G.107 §7.5: Ie,eff = Ie + (95 − Ie) · Ppl / (Ppl / BurstR + Bpl).
     *
     * @param ie     equipment impairment factor of the codec
     * @param ppl    packet-loss probability, %
     * @param burstR burst ratio, ≥ 1
     * @param bpl    packet-loss robustness factor
     */
    public static double effectiveEquipmentImpairment(double ie, double ppl, double burstR, double bpl) {
        return ie + (95 - ie) * ppl / (ppl / burstR + bpl);
    }

    /**
     * G.107 Annex B (B-4): MOS_CQE from R.
     *
     * @return 1.0 for R &lt; 0, 4.5 for R &gt; 100, else 1 + 0.035R + R(R − 60)(100 − R)·7·10⁻⁶
     */
    public static double mos(double r) {
        if (r < 0) {
            return 1;
        }
        if (r > 100) {
            return 4.5;
        }
        return 1 + 0.035 * r + r * (r - 60) * (100 - r) * 7e-6;
    }

    /**
     * The estimate a call report gives: G.107 defaults with the call's delay and residual loss, and
     * the Opus factors {@link #OPUS_IE} / {@link #OPUS_BPL}.
     *
     * @param oneWayDelayMs mouth-to-ear delay, ms (network + jitter buffer + {@link #CODEC_DELAY_MS})
     * @param lossPercent   frames lost after FEC (concealed), %
     * @param burstR        burst ratio of those losses, ≥ 1 (values below are taken as 1)
     * @return the MOS, 1..4.5
     */
    public static double callMos(double oneWayDelayMs, double lossPercent, double burstR) {
        Parameters p = Parameters.DEFAULTS.withDelay(Math.max(0, oneWayDelayMs))
                .withLoss(OPUS_IE, OPUS_BPL, Math.min(100, Math.max(0, lossPercent)), Math.max(1, burstR));
        return mos(rating(p));
    }

    private static double sq(double v) {
        return v * v;
    }
}
