package dev.parley.codec.opus;

/**
 * Sender-side adaptation of the Opus encoder to the receiver's RTCP reports: expected packet
 * loss, in-band FEC and bitrate. Not thread-safe: confine it to the media thread.
 *
 * <p>Policy. Loss is smoothed over reports (EWMA, weight {@value #ALPHA} for the newest fraction
 * lost). In-band FEC is negotiated on for the whole call; libopus spends bits on it only when told
 * to expect loss, so the expected loss given to the encoder is the smoothed loss rounded up
 * (0 below 0.5 %, at most 30 %; {@value #INITIAL_LOSS_PERCENT} % until the first report). Because FEC takes bits from the primary encoding, the bitrate
 * rises with loss to pay for it: base × (1 + 2·min(loss, 25 %)), in [{@value #MIN_BITRATE_KBPS},
 * {@value #MAX_BITRATE_KBPS}] kbit/s (32 kbit/s at 10 % loss → 38). Above
 * {@value #CONGESTION_LOSS} loss, where more bits would more likely feed congestion than help, it
 * falls back to the base bitrate, never below 32 kbit/s (the floor the path is assumed to allow:
 * Parley does no bandwidth estimation).
 */
public final class RateAdapter {
    /** Lowest bitrate chosen, kbit/s. */
    public static final int MIN_BITRATE_KBPS = 32;
    /** Highest bitrate chosen, kbit/s. */
    public static final int MAX_BITRATE_KBPS = 64;
    static final double ALPHA = 0.5;
    static final double CONGESTION_LOSS = 0.30;
    /** Expected loss assumed until the first report, so that early losses are already covered by FEC. */
    public static final int INITIAL_LOSS_PERCENT = 5;

    /**
     * What the encoder should do.
     *
     * @param bitrateKbps       target bitrate, kbit/s
     * @param fec               in-band FEC on
     * @param packetLossPercent expected loss to configure, 0..30
     */
    public record Decision(int bitrateKbps, boolean fec, int packetLossPercent) {
    }

    private final int baseBitrateKbps;
    private double smoothedLoss = -1;
    private Decision current;

    /**
     * @param baseBitrateKbps the configured bitrate, 32..64 kbit/s, used on a loss-free path
     * @throws IllegalArgumentException if out of range
     */
    public RateAdapter(int baseBitrateKbps) {
        if (baseBitrateKbps < MIN_BITRATE_KBPS || baseBitrateKbps > MAX_BITRATE_KBPS) {
            throw new IllegalArgumentException("baseBitrateKbps: " + baseBitrateKbps
                    + " (expected: " + MIN_BITRATE_KBPS + ".." + MAX_BITRATE_KBPS + ")");
        }
        this.baseBitrateKbps = baseBitrateKbps;
        this.current = new Decision(baseBitrateKbps, true, INITIAL_LOSS_PERCENT);
    }

    /**
     * Feeds one receiver report about our stream.
     *
     * @param fractionLost loss since the previous report, 0..1 (RFC 3550 fraction lost / 256)
     * @return the new decision
     */
    public Decision onReport(double fractionLost) {
        double f = Math.max(0, Math.min(1, fractionLost));
        smoothedLoss = smoothedLoss < 0 ? f : ALPHA * f + (1 - ALPHA) * smoothedLoss;
        int lossPercent = smoothedLoss < 0.005 ? 0 : (int) Math.min(30, Math.ceil(smoothedLoss * 100));
        int bitrate = smoothedLoss > CONGESTION_LOSS ? baseBitrateKbps
                : (int) Math.round(baseBitrateKbps * (1 + 2 * Math.min(smoothedLoss, 0.25)));
        bitrate = Math.max(MIN_BITRATE_KBPS, Math.min(MAX_BITRATE_KBPS, bitrate));
        current = new Decision(bitrate, true, lossPercent);
        return current;
    }

    /** @return the decision in force (before any report: base bitrate, FEC on, {@value #INITIAL_LOSS_PERCENT} % expected loss) */
    public Decision current() {
        return current;
    }

    /**
     * Applies a decision to an encoder (only the settings that changed).
     *
     * @throws IllegalStateException if the encoder is closed
     */
    public static void apply(Decision d, OpusEncoder encoder) {
        if (encoder.bitrateKbps() != d.bitrateKbps()) {
            encoder.setBitrateKbps(d.bitrateKbps());
        }
        if (encoder.inbandFec() != d.fec()) {
            encoder.setInbandFec(d.fec());
        }
        if (encoder.packetLossPercent() != d.packetLossPercent()) {
            encoder.setPacketLossPercent(d.packetLossPercent());
        }
    }
}
