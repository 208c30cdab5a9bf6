package dev.parley.codec.playout;

import dev.parley.codec.AudioFormats;
import java.util.ArrayDeque;

/**
 * Target playout delay from measured arrival jitter, in the manner of WebRTC NetEQ's delay
 * manager: each packet's <em>relative delay</em> is its transit time (arrival − send time from
 * the RTP timestamp) minus the smallest transit in the last {@value #WINDOW_MS} ms, i.e. how much
 * later than the fastest recent packet it came. Relative delays go into a histogram of
 * {@value #BUCKET_MS} ms buckets with exponential forgetting (factor {@value #FORGET_FACTOR} per
 * packet, a memory of roughly 500 packets = 10 s); the target is its {@value #QUANTILE} quantile
 * plus one frame of margin for the 20 ms playout clock, clamped to [{@value #MIN_TARGET_MS},
 * {@value #MAX_TARGET_MS}] ms. Until {@value #WARMUP_PACKETS} packets were seen the target stays at
 * least the start delay ({@value #START_DELAY_MS} ms, NetEQ's default). A late packet raises the
 * target at once to its relative delay plus the margin (fast attack), held until the quantile
 * catches up or {@value #FAST_HOLD_PACKETS} packets pass without another late one; calm periods
 * lower the quantile only as old samples fade (slow decay).
 *
 * <p>Times are ms on the receiver's monotonic clock; RTP timestamps are given already extended
 * (no wrap). Not thread-safe.
 */
public final class DelayEstimator {
    /** Delay before the first packet plays and until the histogram has data. */
    public static final int START_DELAY_MS = 80;
    /** Smallest target. */
    public static final int MIN_TARGET_MS = 20;
    /** Largest target. */
    public static final int MAX_TARGET_MS = 1000;
    static final int WINDOW_MS = 2000;
    static final int BUCKET_MS = 5;
    static final double FORGET_FACTOR = 0.998;
    static final double QUANTILE = 0.95;
    static final int WARMUP_PACKETS = 50;
    /** How long a late-packet bump holds the target without further late packets: 5 s of packets. */
    static final int FAST_HOLD_PACKETS = 250;

    private final double[] histogram = new double[MAX_TARGET_MS / BUCKET_MS + 1];
    /** (arrivalMs, transitMs) of recent packets with increasing transit: a sliding-window minimum. */
    private final ArrayDeque<double[]> minWindow = new ArrayDeque<>();
    private long packets;
    private int fastTargetMs;
    private long packetsSinceLate;

    /**
     * Records one packet (not duplicates).
     *
     * @param arrivalMs         arrival time
     * @param extendedTimestamp the packet's RTP timestamp extended past wraps, 48 kHz units
     * @return its relative delay in ms (≥ 0)
     */
    public double onPacket(long arrivalMs, long extendedTimestamp) {
        double transit = arrivalMs - extendedTimestamp / (double) AudioFormats.SAMPLES_PER_MS;
        while (!minWindow.isEmpty() && minWindow.peekLast()[1] >= transit) {
            minWindow.pollLast();
        }
        minWindow.addLast(new double[] {arrivalMs, transit});
        while (minWindow.peekFirst()[0] < arrivalMs - WINDOW_MS) {
            minWindow.pollFirst();
        }
        double relative = transit - minWindow.peekFirst()[1];
        for (int i = 0; i < histogram.length; i++) {
            histogram[i] *= FORGET_FACTOR;
        }
        histogram[Math.min(histogram.length - 1, (int) (relative / BUCKET_MS))] += 1 - FORGET_FACTOR;
        packets++;
        packetsSinceLate++;
        if (fastTargetMs > 0 && (fastTargetMs <= quantileTarget() || packetsSinceLate > FAST_HOLD_PACKETS)) {
            fastTargetMs = 0; // the histogram caught up with the late-packet bump, or the bump is old
        }
        return relative;
    }

    /**
     * A packet arrived after its slot was played: raise the target so that such a packet would have
     * made it.
     *
     * @param relativeDelayMs the late packet's relative delay, as returned by {@link #onPacket}
     */
    public void onLate(double relativeDelayMs) {
        fastTargetMs = Math.max(fastTargetMs, clamp((int) Math.ceil(relativeDelayMs) + AudioFormats.FRAME_MS));
        packetsSinceLate = 0;
    }

    /** @return the current target delay, ms, relative to the fastest recent packet */
    public int targetDelayMs() {
        int target = quantileTarget();
        if (packets < WARMUP_PACKETS) {
            target = Math.max(target, START_DELAY_MS);
        }
        return Math.max(target, fastTargetMs);
    }

    /**
     * @return smallest transit (arrival − timestamp/48, ms) in the window: the baseline from which
     *     the playout delay of a slot is measured; NaN before the first packet
     */
    public double minTransitMs() {
        return minWindow.isEmpty() ? Double.NaN : minWindow.peekFirst()[1];
    }

    /** Forgets the arrival baseline (new stream epoch: timestamps no longer comparable). Keeps the histogram. */
    public void resetBaseline() {
        minWindow.clear();
    }

    private int quantileTarget() {
        double total = 0;
        for (double h : histogram) {
            total += h;
        }
        if (total <= 0) {
            return START_DELAY_MS;
        }
        double acc = 0;
        int bucket = histogram.length - 1;
        for (int i = 0; i < histogram.length; i++) {
            acc += histogram[i];
            if (acc >= QUANTILE * total) {
                bucket = i;
                break;
            }
        }
        return clamp((bucket + 1) * BUCKET_MS + AudioFormats.FRAME_MS);
    }

    private static int clamp(int ms) {
        return Math.max(MIN_TARGET_MS, Math.min(MAX_TARGET_MS, ms));
    }
}
