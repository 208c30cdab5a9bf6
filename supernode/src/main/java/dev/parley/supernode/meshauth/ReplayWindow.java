package dev.parley.supernode.meshauth;

/**
 * An anti-replay sliding window over one sender's counters (RFC 6479: a ring of 64-bit blocks, so
 * advancing never shifts the bitmap; the check of RFC 4303 §3.4.3). It remembers the highest
 * counter accepted and which of the {@value #WINDOW} counters below it were; anything older is
 * refused. {@link #check} before authenticating, {@link #accept} only after (RFC 4303 §3.4.3: a
 * forged datagram must not move the window).
 *
 * <p>Not thread-safe: owned by the mesh loop.
 */
final class ReplayWindow {
    private static final int BLOCKS = 16; // a power of two
    /** Counters below the highest accepted one that are still told apart: (blocks - 1) · 64. */
    static final int WINDOW = (BLOCKS - 1) * Long.SIZE;

    private final long[] bitmap = new long[BLOCKS];
    private long top; // highest accepted counter; 0: none yet (counters start at 1)

    /**
     * @param counter a datagram's counter (≥ 1)
     * @return whether it is new: above the highest accepted, or within the window and not seen
     */
    boolean check(long counter) {
        if (counter <= 0) {
            return false;
        }
        if (counter > top) {
            return true;
        }
        if (counter + WINDOW <= top) {
            return false; // too old to tell apart
        }
        return (bitmap[block(counter)] & bit(counter)) == 0;
    }

    /**
     * Records an authenticated counter (after {@link #check} said it is new).
     *
     * @param counter the counter (≥ 1)
     */
    void accept(long counter) {
        if (counter > top) {
            long from = top >>> 6;
            long to = counter >>> 6;
            // Clears the blocks the window slides over (at most all of them).
            for (long b = from + 1, n = 0; b <= to && n < BLOCKS; b++, n++) {
                bitmap[(int) (b & (BLOCKS - 1))] = 0;
            }
            top = counter;
        }
        bitmap[block(counter)] |= bit(counter);
    }

    /** @return the highest counter accepted so far (0: none) */
    long top() {
        return top;
    }

    private static int block(long counter) {
        return (int) ((counter >>> 6) & (BLOCKS - 1));
    }

    private static long bit(long counter) {
        return 1L << (counter & 63);
    }
}
