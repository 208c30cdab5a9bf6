package dev.parley.login;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.parley.protocol.ProtocolException;
import dev.parley.protocol.SourceAddresses;
import dev.parley.protocol.wire.ErrorCode;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;

/**
 * The login server's abuse limits on password work ({@link LoginLimits}): a token bucket of
 * Argon2id requests per source address, a bucket of account creations per source address, and
 * exponential backoff after failed logins.
 *
 * <p>Failed logins are counted twice. Per (account, source address): after
 * {@link LoginLimits#failuresPerAddress()} failures that address must wait, the window doubling
 * with each further failure. A guesser therefore locks only itself out: the owner, logging in
 * from another address, still gets in with the right password. Per account over all addresses,
 * with a higher ceiling ({@link LoginLimits#failuresPerAccount()}): this bounds what a botnet
 * spreading its guesses over many addresses gets, at the price that such a botnet can make
 * the owner wait too. We choose to let a large distributed attack cost availability of one
 * account rather than let it guess without bound; a single address can never reach the ceiling
 * faster than its own backoff allows.
 *
 * <p>Source addresses are IPv4 addresses or IPv6 /64 prefixes (one subscriber usually holds a
 * whole /64). State lives in bounded Caffeine caches (at most {@link LoginLimits#trackedSources()}
 * entries each, expired with the injected clock); updates are atomic per key, so event loops and
 * worker threads may call concurrently. Requests admitted together may each fail before the
 * first failure is counted: the overshoot is bounded by the Argon2id bucket.
 */
public final class LoginGuard {
    private final LoginLimits limits;
    private final InstantSource clock;
    private final Cache<String, TokenBucket> hashes;
    private final Cache<String, TokenBucket> creations;
    private final Cache<AccountSource, Failures> perSource;
    private final Cache<String, Failures> perAccount;

    private record AccountSource(String account, String source) {}

    /** {@code count} failures, the last at {@code lastNanos} (clock nanoseconds). */
    private record Failures(int count, long lastNanos) {}

    /**
     * @param limits the limits
     * @param clock time source (also drives the caches' expiry)
     */
    public LoginGuard(LoginLimits limits, InstantSource clock) {
        this.limits = limits;
        this.clock = clock;
        this.hashes = cache(Duration.ofHours(1));
        this.creations = cache(Duration.ofHours(1));
        this.perSource = cache(limits.failureMemory());
        this.perAccount = cache(limits.failureMemory());
    }

    private <K, V> Cache<K, V> cache(Duration expiry) {
        return Caffeine.newBuilder().maximumSize(limits.trackedSources()).expireAfterAccess(expiry)
                .ticker(this::nowNanos).build();
    }

    /**
     * Admits one login attempt, taking an Argon2id token from the source's bucket.
     *
     * @param source the client's {@link SourceAddresses source key}
     * @param account canonical username, or null if the name is malformed (only the bucket applies)
     * @throws ProtocolException RATE_LIMITED, saying when to retry, if the account is in backoff
     *     for this source or overall, or the source has no token
     */
    public void admitLogin(String source, String account) throws ProtocolException {
        long now = nowNanos();
        if (account == null) {
            takeHashToken(source, now);
            return;
        }
        Failures mine = perSource.getIfPresent(new AccountSource(account, source));
        long wait = remainingLock(mine, limits.failuresPerAddress(), now);
        if (wait > 0) {
            throw limited(String.format("failed logins for '%s' from %s: %d (expected: < %d before a pause)",
                    account, source, mine.count(), limits.failuresPerAddress()), wait);
        }
        Failures all = perAccount.getIfPresent(account);
        wait = remainingLock(all, limits.failuresPerAccount(), now);
        if (wait > 0) {
            throw limited(String.format("failed logins for '%s' from all addresses: %d (expected: < %d before a pause)",
                    account, all.count(), limits.failuresPerAccount()), wait);
        }
        takeHashToken(source, now);
    }

    /**
     * Admits one account creation: a token from the source's creation bucket and one from its Argon2id bucket.
     *
     * @throws ProtocolException RATE_LIMITED, saying when to retry
     */
    public void admitCreate(String source) throws ProtocolException {
        long now = nowNanos();
        double perSecond = 1e9 / limits.accountRefill().toNanos();
        long wait = take(creations, source, limits.accountsBurst(), perSecond, now);
        if (wait > 0) {
            throw limited(String.format("accounts created from %s: over %d (expected: 1 more per %d s)",
                    source, limits.accountsBurst(), limits.accountRefill().toSeconds()), wait);
        }
        takeHashToken(source, now);
    }

    /**
     * Admits one account lookup: it tells whether a name is taken, as an account creation does, so it
     * spends from the same per-source bucket (enumerating names is no faster than by creating them)
     * and takes a token from the source's Argon2id bucket for its database read.
     *
     * @throws ProtocolException RATE_LIMITED, saying when to retry
     */
    public void admitLookup(String source) throws ProtocolException {
        long now = nowNanos();
        double perSecond = 1e9 / limits.accountRefill().toNanos();
        long wait = take(creations, source, limits.accountsBurst(), perSecond, now);
        if (wait > 0) {
            throw limited(String.format("account lookups and creations from %s: over %d (expected: 1 more per %d s)",
                    source, limits.accountsBurst(), limits.accountRefill().toSeconds()), wait);
        }
        takeHashToken(source, now);
    }

    /**
     * Admits one credential renewal: no Argon2id work, but a database read, so it takes a token from
     * the same per-source bucket as password requests.
     *
     * @throws ProtocolException RATE_LIMITED, saying when to retry
     */
    public void admitRenewal(String source) throws ProtocolException {
        takeHashToken(source, nowNanos());
    }

    /** The pseudo-account whose failures count refused enrolment tokens, per source address. */
    private static final String ENROLMENT = "(super-node enrolment)";

    /**
     * Admits one super-node enrolment: a database read and write, so a token from the source's
     * Argon2id bucket, and like a login, backoff for the source after
     * {@link LoginLimits#failuresPerAddress()} refused tokens ({@link #enrolmentFailed}). Only per
     * source: a botnet spreading guesses cannot lock operators out of enrolment (160-bit tokens make
     * guessing hopeless anyway).
     *
     * @throws ProtocolException RATE_LIMITED, saying when to retry
     */
    public void admitEnrolment(String source) throws ProtocolException {
        long now = nowNanos();
        Failures mine = perSource.getIfPresent(new AccountSource(ENROLMENT, source));
        long wait = remainingLock(mine, limits.failuresPerAddress(), now);
        if (wait > 0) {
            throw limited(String.format("refused enrolments from %s: %d (expected: < %d before a pause)", source,
                    mine.count(), limits.failuresPerAddress()), wait);
        }
        takeHashToken(source, now);
    }

    /** Counts a refused enrolment (wrong, used or expired token, failed proof) from {@code source}. */
    public void enrolmentFailed(String source) {
        long now = nowNanos();
        perSource.asMap().merge(new AccountSource(ENROLMENT, source), new Failures(1, now),
                (old, one) -> new Failures(old.count() + 1, now));
    }

    /** Counts a wrong password (or unknown account) for {@code account} from {@code source}. */
    public void loginFailed(String source, String account) {
        if (account == null) {
            return;
        }
        long now = nowNanos();
        perSource.asMap().merge(new AccountSource(account, source), new Failures(1, now),
                (old, one) -> new Failures(old.count() + 1, now));
        perAccount.asMap().merge(account, new Failures(1, now), (old, one) -> new Failures(old.count() + 1, now));
    }

    /** Forgets {@code source}'s failures for {@code account} after a right password (the account-wide count stays). */
    public void loginSucceeded(String source, String account) {
        if (account == null) {
            return;
        }
        perSource.invalidate(new AccountSource(account, source));
    }

    private void takeHashToken(String source, long now) throws ProtocolException {
        long wait = take(hashes, source, limits.hashBurst(), limits.hashesPerSecond(), now);
        if (wait > 0) {
            throw limited(String.format("password requests from %s: over %d at once or %s per second (expected: fewer)",
                    source, limits.hashBurst(), limits.hashesPerSecond()), wait);
        }
    }

    /** @return 0 if a token was taken from {@code key}'s bucket, else nanoseconds until one is available */
    private static long take(Cache<String, TokenBucket> buckets, String key, int capacity, double perSecond, long now) {
        long[] wait = new long[1];
        buckets.asMap().compute(key, (k, old) -> {
            TokenBucket b = (old == null ? TokenBucket.full(capacity, now) : old).refill(capacity, perSecond, now);
            if (b.hasToken()) {
                return b.take();
            }
            wait[0] = Math.max(1, b.nanosUntilToken(perSecond));
            return b;
        });
        return wait[0];
    }

    /** @return nanoseconds left of the backoff after {@code f}, 0 if none */
    private long remainingLock(Failures f, int threshold, long now) {
        if (f == null || f.count() < threshold) {
            return 0;
        }
        int doublings = Math.min(f.count() - threshold, 30);
        long window = Math.min(limits.maxBackoff().toNanos(), limits.firstBackoff().toNanos() << doublings);
        if (window < 0) { // shifted past Long.MAX_VALUE
            window = limits.maxBackoff().toNanos();
        }
        return Math.max(0, f.lastNanos() + window - now);
    }

    private static ProtocolException limited(String what, long waitNanos) {
        long seconds = Math.max(1, (waitNanos + 999_999_999L) / 1_000_000_000L);
        return new ProtocolException(ErrorCode.RATE_LIMITED, what + "; retry in " + seconds + " s");
    }

    private long nowNanos() {
        Instant now = clock.instant();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }
}
