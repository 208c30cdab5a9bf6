package dev.parley.codec.sim;

import java.util.SplittableRandom;

/**
 * Decides the fate of each packet under an {@link ImpairmentSpec}: lost, or delivered after a
 * delay (and possibly twice). Deterministic for a given spec (its seed) and packet order. Loss
 * follows a two-state Gilbert–Elliott chain (bad state loses everything): with loss rate π and mean
 * burst b, P(bad → good) = 1/b and P(good → bad) = π / (b·(1 − π)), so the stationary loss is π
 * and bursts average b packets; without {@code burst} each packet is lost independently with
 * probability π. Not thread-safe.
 */
public final class ImpairmentModel {
    /** A packet's fate. */
    public record Verdict(boolean drop, int delayMs, boolean duplicate, int duplicateDelayMs) {
    }

    private final ImpairmentSpec spec;
    private final SplittableRandom random;
    private final double pGoodToBad;
    private final double pBadToGood;
    private boolean bad;
    private long packets;
    private long dropped;

    /** @param spec the impairment; its seed seeds the random source */
    public ImpairmentModel(ImpairmentSpec spec) {
        this.spec = spec;
        this.random = new SplittableRandom(spec.seed());
        if (spec.meanBurst() > 0) {
            pBadToGood = 1 / spec.meanBurst();
            pGoodToBad = spec.lossRate() / (spec.meanBurst() * (1 - spec.lossRate()));
        } else {
            pBadToGood = 0;
            pGoodToBad = 0;
        }
    }

    /** @return the fate of the next packet */
    public Verdict next() {
        packets++;
        boolean drop;
        if (spec.meanBurst() > 0) {
            bad = bad ? random.nextDouble() >= pBadToGood : random.nextDouble() < pGoodToBad;
            drop = bad;
        } else {
            drop = spec.lossRate() > 0 && random.nextDouble() < spec.lossRate();
        }
        // Draw every variate for every packet so that one knob does not shift another's sequence.
        int delay = spec.delayMs() + (spec.jitterMs() > 0 ? random.nextInt(spec.jitterMs() + 1) : 0);
        boolean reorder = spec.reorderRate() > 0 && random.nextDouble() < spec.reorderRate();
        boolean duplicate = spec.duplicateRate() > 0 && random.nextDouble() < spec.duplicateRate();
        int dupExtra = spec.jitterMs() > 0 ? random.nextInt(spec.jitterMs() + 1) : 1;
        if (drop) {
            dropped++;
            return new Verdict(true, 0, false, 0);
        }
        if (reorder) {
            delay += ImpairmentSpec.REORDER_HOLD_MS;
        }
        return new Verdict(false, delay, duplicate, spec.delayMs() + dupExtra);
    }

    /** @return packets judged */
    public long packets() {
        return packets;
    }

    /** @return packets dropped */
    public long dropped() {
        return dropped;
    }
}
