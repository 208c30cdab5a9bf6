package dev.parley.supernode;

import java.util.concurrent.atomic.LongAdder;

/**
 * What a {@link UserLocator} counts, for {@link SuperNodeStats} and the metrics endpoint.
 * Thread-safe (adders): searches start on any loop and end on the mesh loop.
 */
final class LocatorCounters {
    /** "Not found" because no peer was left to ask (none live, or every current digest says no). */
    static final int NO_PEER = 0;
    /** "Not found" because every peer asked answered no. */
    static final int ALL_SAID_NO = 1;
    /** "Not found" because the last wave timed out with peers still silent. */
    static final int LAST_WAVE_TIMED_OUT = 2;
    /** "Not found" at the deadline. */
    static final int DEADLINE = 3;

    final LongAdder searches = new LongAdder();
    final LongAdder cacheHits = new LongAdder();
    final LongAdder rejectedRecords = new LongAdder();
    /** Lookups that joined a running search instead of starting one. */
    final LongAdder coalesced = new LongAdder();
    /** Sweeps of {@link UserLocator#invalidateAt} that dropped cached answers. */
    final LongAdder staleDropped = new LongAdder();
    /** Searches that also asked the peers left out on a current digest's "no", as a peer that may hold the user was silent. */
    final LongAdder widened = new LongAdder();
    /** Searches that would have widened but found the budget spent ({@link UserLocator#WIDENINGS_PER_S}). */
    final LongAdder wideningsRefused = new LongAdder();
    /** Lookups a running search sent to a peer whose new digest may hold the user ({@link LocatorSearch#askNewHolder}). */
    final LongAdder newHolderAsked = new LongAdder();
    /** Wave ends at which a search waited instead of asking more peers ({@link LookupThrottle}). */
    final LongAdder throttled = new LongAdder();
    private final LongAdder[] notFoundBy = {new LongAdder(), new LongAdder(), new LongAdder(), new LongAdder()};

    /** @param reason {@link #NO_PEER}, {@link #ALL_SAID_NO}, {@link #LAST_WAVE_TIMED_OUT} or {@link #DEADLINE} */
    void notFound(int reason) {
        notFoundBy[reason].increment();
    }

    long searches() {
        return searches.sum();
    }

    long cacheHits() {
        return cacheHits.sum();
    }

    long rejectedRecords() {
        return rejectedRecords.sum();
    }

    long coalesced() {
        return coalesced.sum();
    }

    long staleDropped() {
        return staleDropped.sum();
    }

    long widened() {
        return widened.sum();
    }

    long wideningsRefused() {
        return wideningsRefused.sum();
    }

    long newHolderAsked() {
        return newHolderAsked.sum();
    }

    long throttled() {
        return throttled.sum();
    }

    /** @return counts of "not found" endings, indexed by reason ({@link #NO_PEER} …) */
    long[] notFoundReasons() {
        long[] r = new long[notFoundBy.length];
        for (int i = 0; i < r.length; i++) {
            r[i] = notFoundBy[i].sum();
        }
        return r;
    }
}
