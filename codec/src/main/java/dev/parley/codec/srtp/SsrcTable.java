package dev.parley.codec.srtp;

import org.jspecify.annotations.Nullable;

/**
 * A bounded table of per-SSRC state, found by linear scan: a call has one or two streams per
 * direction, so a scan of at most {@code capacity} longs beats hashing and allocates nothing.
 * Entries are never evicted: forgetting a stream's replay window would let its old packets be
 * replayed. Confined to one thread.
 *
 * @param <T> the per-stream state
 */
final class SsrcTable<T> {
    private final long[] ssrcs;
    private final Object[] states;
    private int size;

    /** @param capacity most streams held */
    SsrcTable(int capacity) {
        this.ssrcs = new long[capacity];
        this.states = new Object[capacity];
    }

    /** @return the state of {@code ssrc}, null if unknown */
    @SuppressWarnings("unchecked")
    @Nullable T find(long ssrc) {
        for (int i = 0; i < size; i++) {
            if (ssrcs[i] == ssrc) {
                return (T) states[i];
            }
        }
        return null;
    }

    /** @return true if no new stream can be added */
    boolean isFull() {
        return size == ssrcs.length;
    }

    /**
     * Adds a stream not yet in the table.
     *
     * @throws IllegalStateException if the table is full
     */
    void add(long ssrc, T state) {
        if (isFull()) {
            throw new IllegalStateException("streams: " + size + " (expected: < " + ssrcs.length + ")");
        }
        ssrcs[size] = ssrc;
        states[size++] = state;
    }
}
