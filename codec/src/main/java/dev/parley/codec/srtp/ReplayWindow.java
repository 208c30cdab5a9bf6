package dev.parley.codec.srtp;

/**
 * The sliding replay window of RFC 3711 §3.3.2 over a packet index (SRTP's 48-bit index or
 * SRTCP's 31-bit index): the highest index authenticated so far and a bitmap of the
 * {@value #SIZE} indices at and below it. Owned by one thread; updated only after a packet
 * authenticates, so forged packets cannot move it.
 */
final class ReplayWindow {
    /** Window size in packets: 1.28 s of 20 ms audio may arrive reordered. RFC 3711 asks for >= 64. */
    static final int SIZE = 64;
    private long highest = -1;
    private long seen; // bit i: index highest - i was received

    /** @return the highest index accepted so far, -1 before the first */
    long highest() {
        return highest;
    }

    /** @return true if {@code index} was already accepted or is too old to tell */
    boolean isReplay(long index) {
        if (index > highest) {
            return false;
        }
        long age = highest - index;
        return age >= SIZE || (seen & (1L << age)) != 0;
    }

    /** Records an authenticated index; the caller checked {@link #isReplay} first. */
    void accept(long index) {
        if (index > highest) {
            long shift = index - highest;
            seen = shift >= SIZE ? 1L : (seen << shift) | 1L;
            highest = index;
        } else {
            seen |= 1L << (highest - index);
        }
    }
}
