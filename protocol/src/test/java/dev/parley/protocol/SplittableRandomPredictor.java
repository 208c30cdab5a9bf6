package dev.parley.protocol;

import java.util.SplittableRandom;

/**
 * The attack on secrets drawn from {@link SplittableRandom}: its output function is invertible, so
 * one observed {@code nextLong()} gives the generator's state and every later output. Tests use it
 * to show that a wiring is (or is no longer) predictable.
 */
public final class SplittableRandomPredictor {
    /** SplittableRandom's increment for generators made with {@code new SplittableRandom(seed)}. */
    public static final long GOLDEN_GAMMA = 0x9e3779b97f4a7c15L;

    private SplittableRandomPredictor() {}

    /**
     * @param observed one {@code nextLong()} of a {@code new SplittableRandom(seed)} (or of its
     *     successors)
     * @return a generator whose next {@code nextLong()} is the one that followed {@code observed}
     */
    public static SplittableRandom replayAfter(long observed) {
        return new SplittableRandom(unmix64(observed));
    }

    /** @return the generator state (seed + k × gamma) that {@code nextLong()} turned into {@code z} */
    public static long unmix64(long z) {
        z = unxorshift(z, 31);
        z *= inverse(0x94d049bb133111ebL);
        z = unxorshift(z, 27);
        z *= inverse(0xbf58476d1ce4e5b9L);
        return unxorshift(z, 30);
    }

    private static long unxorshift(long y, int shift) {
        long x = y;
        for (int i = 0; i < 64 / shift + 1; i++) {
            x = y ^ (x >>> shift);
        }
        return x;
    }

    /** @return the inverse of odd {@code a} modulo 2^64 (Newton's iteration) */
    private static long inverse(long a) {
        long x = a;
        for (int i = 0; i < 6; i++) {
            x *= 2 - a * x;
        }
        return x;
    }
}
