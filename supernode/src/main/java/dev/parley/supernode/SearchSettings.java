package dev.parley.supernode;

import dev.parley.protocol.PresenceRecords;
import java.time.Duration;

/**
 * Tuning of the expanding search and its caches (see {@link UserLocator}).
 *
 * @param waveTimeout how long one wave waits for its answers before the next wave starts; an
 *     unanswered lookup is retransmitted once, halfway (positive)
 * @param deadline overall limit of one search; "not found" when it passes (positive, ≥ waveTimeout)
 * @param positiveTtl lifetime of a cached "user is at super node S" (positive)
 * @param negativeTtl lifetime of a cached "user is not online" (positive)
 * @param useDigests whether wave 1 goes to the peers whose presence digest may hold the user
 *     ({@code false}: blind expansion only, for comparison)
 * @param ratePerS searches one client may run per second, sustained (positive)
 * @param burst searches one client may run at once (positive)
 * @param presenceMaxAge oldest accepted presence record ({@code signed_at_ms}); older answers are stale
 */
public record SearchSettings(Duration waveTimeout, Duration deadline, Duration positiveTtl, Duration negativeTtl,
        boolean useDigests, int ratePerS, int burst, Duration presenceMaxAge) {
    /** 250 ms waves, 3 s deadline, 5 s / 2 s cache TTLs, digests on, 20 searches/s (burst 40), 24 h records. */
    public static final SearchSettings DEFAULTS = new SearchSettings(Duration.ofMillis(250), Duration.ofSeconds(3),
            Duration.ofSeconds(5), Duration.ofSeconds(2), true, 20, 40, PresenceRecords.DEFAULT_MAX_AGE);

    /** @throws IllegalArgumentException for non-positive values or a deadline shorter than a wave */
    public SearchSettings {
        SuperNodeConfig.requirePositive(waveTimeout, "waveTimeout");
        SuperNodeConfig.requirePositive(deadline, "deadline");
        SuperNodeConfig.requirePositive(positiveTtl, "positiveTtl");
        SuperNodeConfig.requirePositive(negativeTtl, "negativeTtl");
        SuperNodeConfig.requirePositive(presenceMaxAge, "presenceMaxAge");
        if (deadline.compareTo(waveTimeout) < 0) {
            throw new IllegalArgumentException(String.format("deadline: %d ms (expected: >= waveTimeout %d ms)",
                    deadline.toMillis(), waveTimeout.toMillis()));
        }
        if (ratePerS < 1 || burst < 1) {
            throw new IllegalArgumentException(String.format("ratePerS: %d, burst: %d (expected: >= 1)", ratePerS, burst));
        }
    }

    /** @return a copy with digests switched on or off */
    public SearchSettings withDigests(boolean on) {
        return new SearchSettings(waveTimeout, deadline, positiveTtl, negativeTtl, on, ratePerS, burst, presenceMaxAge);
    }

    /** @return a copy with another per-client rate limit */
    public SearchSettings withRateLimit(int perS, int burstSize) {
        return new SearchSettings(waveTimeout, deadline, positiveTtl, negativeTtl, useDigests, perS, burstSize, presenceMaxAge);
    }

    /** @return a copy with other wave timeout and deadline */
    public SearchSettings withTimeouts(Duration wave, Duration overall) {
        return new SearchSettings(wave, overall, positiveTtl, negativeTtl, useDigests, ratePerS, burst, presenceMaxAge);
    }
}
