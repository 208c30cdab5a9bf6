package dev.parley.login;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.parley.protocol.ProtocolException;
import dev.parley.protocol.wire.ErrorCode;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;

/**
 * Abuse limits on the admin channel, per source address ({@code SourceAddresses} key): a token bucket
 * of challenges ({@code AdminHello}: {@value #MESSAGES_BURST} at once, {@value #MESSAGES_PER_SECOND} per second), and
 * a bucket of refused requests ({@value #FAILURES_BURST}, one more per {@value #FAILURE_REFILL_SECONDS} s):
 * once a source has spent its refusals, every admin message from it is refused with RATE_LIMITED
 * (without signature or database work) until one refills. An authorized administrator never fails,
 * so it only meets the first bucket, and only once per connection: its
 * responses carry the next challenge.
 *
 * <p>State lives in bounded Caffeine caches like {@link LoginGuard}'s; thread-safe.
 */
final class AdminGuard {
    static final int MESSAGES_BURST = 30;
    static final double MESSAGES_PER_SECOND = 10;
    static final int FAILURES_BURST = 3;
    static final int FAILURE_REFILL_SECONDS = 60;
    private static final int TRACKED_SOURCES = 100_000;

    private final InstantSource clock;
    private final Cache<String, TokenBucket> messages;
    private final Cache<String, TokenBucket> failures;

    AdminGuard(InstantSource clock) {
        this.clock = clock;
        this.messages = Caffeine.newBuilder().maximumSize(TRACKED_SOURCES).expireAfterAccess(Duration.ofHours(1))
                .ticker(this::nowNanos).<String, TokenBucket>build();
        this.failures = Caffeine.newBuilder().maximumSize(TRACKED_SOURCES).expireAfterAccess(Duration.ofHours(1))
                .ticker(this::nowNanos).<String, TokenBucket>build();
    }

    /**
     * Admits one {@code AdminRequest} from {@code source}: only the refusals count, since a request
     * gets its signature checked only with a challenge (from a rate-limited hello, or chained from
     * an authorized request's response).
     *
     * @throws ProtocolException RATE_LIMITED (short message: it may answer an unauthenticated request)
     */
    void admitRequest(String source) throws ProtocolException {
        TokenBucket f = failures.getIfPresent(source);
        if (f != null && !f.refill(FAILURES_BURST, 1.0 / FAILURE_REFILL_SECONDS, nowNanos()).hasToken()) {
            throw new ProtocolException(ErrorCode.RATE_LIMITED, "admin: refused too often");
        }
    }

    /**
     * Admits one {@code AdminHello} (a fresh challenge) from {@code source}.
     *
     * @throws ProtocolException RATE_LIMITED (short message: it answers an unauthenticated request)
     */
    void admitHello(String source) throws ProtocolException {
        admitRequest(source);
        long now = nowNanos();
        boolean[] taken = new boolean[1];
        messages.asMap().compute(source, (k, old) -> {
            TokenBucket b = (old == null ? TokenBucket.full(MESSAGES_BURST, now) : old)
                    .refill(MESSAGES_BURST, MESSAGES_PER_SECOND, now);
            taken[0] = b.hasToken();
            return taken[0] ? b.take() : b;
        });
        if (!taken[0]) {
            throw new ProtocolException(ErrorCode.RATE_LIMITED, "admin: too many requests");
        }
    }

    /** Counts a refused admin request (bad signature, replay, unauthorized key) from {@code source}. */
    void failed(String source) {
        long now = nowNanos();
        failures.asMap().compute(source, (k, old) -> {
            TokenBucket b = (old == null ? TokenBucket.full(FAILURES_BURST, now) : old)
                    .refill(FAILURES_BURST, 1.0 / FAILURE_REFILL_SECONDS, now);
            return b.hasToken() ? b.take() : b;
        });
    }

    private long nowNanos() {
        Instant now = clock.instant();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }
}
