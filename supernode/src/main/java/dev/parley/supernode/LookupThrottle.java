package dev.parley.supernode;

/**
 * Whether a search may ask more peers because earlier ones were silent: retry throttling after
 * gRPC's (proposal A6, "Retry Throttling"), with a wave that timed out in place of a failed call.
 *
 * <p>A lookup that stays silent for its wave costs {@value #SILENT_COST} token; an answer earns
 * {@value #ANSWER_CREDIT}; the tokens stay within [0, {@value #MAX_TOKENS}] and start full.
 * Searches widen past a silent wave only while more than half the tokens are left, that is while
 * fewer than about one lookup in 5 goes silent (1 + SILENT_COST / ANSWER_CREDIT). A dead peer silences the lookups
 * to it alone, and the rest keep the tokens up; an overloaded mesh silences most of them, and
 * then each silent wave asking the next, larger wave (up to every peer) is what keeps it
 * overloaded: the queues never drain, every answer comes too late, pings go unanswered and
 * digests stale, so every search asks everyone (docs/benchmarks.md "Overload: silent waves
 * need a budget too"). Throttled searches keep waiting for the lookups they sent, which stay
 * open until the deadline.
 *
 * <p>Not thread-safe: the mesh loop owns it.
 */
final class LookupThrottle {
    /** Tokens when full. */
    static final int MAX_TOKENS = 100;
    /** Tokens a silent lookup costs. */
    static final int SILENT_COST = 1;
    /** Tokens an answered lookup earns. */
    static final double ANSWER_CREDIT = 0.25;

    private double tokens = MAX_TOKENS;

    /** A lookup was answered (in time or late). */
    void onAnswer() {
        tokens = Math.min(MAX_TOKENS, tokens + ANSWER_CREDIT);
    }

    /** @param lookups how many lookups a wave that just timed out is still waiting for (≥ 0) */
    void onSilent(int lookups) {
        tokens = Math.max(0, tokens - (double) SILENT_COST * lookups);
    }

    /** @return whether a search may ask more peers after a silent wave */
    boolean allowsWidening() {
        return tokens > MAX_TOKENS / 2.0;
    }
}
