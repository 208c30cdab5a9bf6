package dev.parley.codec.srtp;

/**
 * SRTP packet index estimation, RFC 3711 §3.3.1 and Appendix A: the 48-bit index is
 * {@code 2^16 * ROC + SEQ}, and a packet's rollover counter is guessed from the highest index
 * seen so that sequence numbers within 2^15 of it, either side, keep their order across a wrap.
 */
final class SrtpIndex {
    /** Largest SRTP index (ROC 2^32-1, SEQ 65535): a master key protects at most 2^48 packets (RFC 3711 §9.2). */
    static final long MAX = (1L << 48) - 1;
    private static final int HALF_SEQ = 1 << 15;

    private SrtpIndex() {
    }

    /**
     * @param highest the highest index accepted so far, -1 before the first packet
     * @param seq the packet's 16-bit sequence number
     * @return the packet's estimated index, or -1 if it would lie before index 0 or past {@link #MAX}
     */
    static long estimate(long highest, int seq) {
        if (highest < 0) {
            return seq; // the first packet of a stream has ROC 0 (RFC 3711 §3.3.1)
        }
        long roc = highest >>> 16;
        int last = (int) (highest & 0xFFFF);
        long v;
        if (last < HALF_SEQ) {
            v = seq - last > HALF_SEQ ? roc - 1 : roc;
        } else {
            v = last - HALF_SEQ > seq ? roc + 1 : roc;
        }
        if (v < 0 || v > 0xFFFF_FFFFL) {
            return -1;
        }
        return v << 16 | seq;
    }
}
