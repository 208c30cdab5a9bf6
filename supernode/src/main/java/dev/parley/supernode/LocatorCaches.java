package dev.parley.supernode;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import dev.parley.protocol.HostPort;
import java.time.Instant;
import java.time.InstantSource;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * The answers a {@link UserLocator} remembers (Caffeine, driven by the injected clock): where a
 * user was found, for {@link SearchSettings#positiveTtl()} (of two verified records the one signed
 * last is kept: {@link Location#newer}), and who no live peer had, for
 * {@link SearchSettings#negativeTtl()}. Each holds at most {@value #MAX_CACHED_USERS} users.
 * Thread-safe.
 */
final class LocatorCaches {
    static final int MAX_CACHED_USERS = 200_000;

    private final Cache<String, Location> positive;
    private final Cache<String, Boolean> negative;

    LocatorCaches(SearchSettings settings, InstantSource clock) {
        this.positive = cache(settings.positiveTtl().toNanos(), clock);
        this.negative = cache(settings.negativeTtl().toNanos(), clock);
    }

    /** @return a cache of at most {@value #MAX_CACHED_USERS} entries, each kept {@code ttlNanos} on {@code clock} */
    static <V> Cache<String, V> cache(long ttlNanos, InstantSource clock) {
        return Caffeine.newBuilder()
                .expireAfterWrite(ttlNanos, TimeUnit.NANOSECONDS)
                .maximumSize(MAX_CACHED_USERS)
                .ticker(ticker(clock))
                .executor(Runnable::run) // maintenance inline: deterministic, and it is cheap
                .build();
    }

    /** A Caffeine ticker reading the injected clock, so tests control expiry exactly. */
    static Ticker ticker(InstantSource clock) {
        return () -> {
            Instant now = clock.instant();
            return now.getEpochSecond() * 1_000_000_000L + now.getNano();
        };
    }

    /** @return where {@code username} was found, if remembered */
    @Nullable Location found(String username) {
        return positive.getIfPresent(username);
    }

    /** @return whether no live peer had {@code username}, remembered */
    boolean notFound(String username) {
        return negative.getIfPresent(username) != null;
    }

    /** Remembers where {@code username} is (the record signed last wins). */
    void putFound(String username, Location at) {
        positive.asMap().merge(username, at, Location::newer);
    }

    /** Remembers that no live peer has {@code username}. */
    void putNotFound(String username) {
        negative.put(username, Boolean.TRUE);
    }

    /** Forgets both answers for {@code username}. */
    void forget(String username) {
        positive.invalidate(username);
        negative.invalidate(username);
    }

    /** @return whether answers naming {@code superNode} were forgotten; O(cached answers) */
    boolean forgetAt(HostPort superNode) {
        return positive.asMap().values().removeIf(l -> l.superNode().equals(superNode));
    }

    /** @return entries held (estimate) */
    long size() {
        return positive.estimatedSize() + negative.estimatedSize();
    }
}
