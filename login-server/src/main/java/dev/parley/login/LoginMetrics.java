package dev.parley.login;

import dev.parley.protocol.wire.ErrorCode;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import java.util.Locale;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The login server's meters (Micrometer; the app module exposes them to Prometheus, docs/operations.md
 * "Metrics and health"): {@code parley_login_requests_total{request, outcome}} counts every answered
 * request by kind and outcome ({@code ok}, or the error code in lower case: {@code wrong_credentials},
 * {@code rate_limited}, {@code account_disabled}, …), plus gauges of the super-node directory and the
 * worker queue.
 *
 * <p>Counting is a lock-free increment; a series is registered on its first use, so the label
 * values stay bounded by {@link Request} × ({@link ErrorCode} + ok).
 */
public final class LoginMetrics {
    /** The requests counted, as their {@code request} label. */
    public enum Request {
        CREATE_ACCOUNT, LOGIN, RENEW_CREDENTIAL, ENROLL_SUPERNODE, RENEW_SUPERNODE, LOOKUP_ACCOUNT;

        final String label = name().toLowerCase(Locale.ROOT);
    }

    /** Outcome label of a success. */
    public static final String OK = "ok";
    private static final int OUTCOMES = ErrorCode.values().length + 1; // index 0: ok

    private final MeterRegistry registry;
    private final AtomicReferenceArray<Counter> counters = new AtomicReferenceArray<>(Request.values().length * OUTCOMES);

    /** @param registry where the meters live */
    public LoginMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    /** @return meters registered nowhere (a registry without backends), for servers started without metrics */
    public static LoginMetrics none() {
        return new LoginMetrics(new CompositeMeterRegistry());
    }

    /** Counts a successful {@code request}. */
    void ok(Request request) {
        counter(request, 0, OK).increment();
    }

    /** Counts {@code request} refused with {@code code}. */
    void refused(Request request, ErrorCode code) {
        int index = code == ErrorCode.UNRECOGNIZED ? ErrorCode.INTERNAL.ordinal() + 1 : code.ordinal() + 1;
        ErrorCode named = code == ErrorCode.UNRECOGNIZED ? ErrorCode.INTERNAL : code;
        counter(request, index, named.name().toLowerCase(Locale.ROOT)).increment();
    }

    private Counter counter(Request request, int outcome, String label) {
        int slot = request.ordinal() * OUTCOMES + outcome;
        Counter c = counters.get(slot);
        if (c == null) { // a race registers the same series twice: Micrometer returns the existing one
            c = Counter.builder("parley_login_requests").description("Requests answered, by kind and outcome")
                    .tag("request", request.label).tag("outcome", label).register(registry);
            counters.set(slot, c);
        }
        return c;
    }

    /** Registers gauges bound to the directory's size and the worker's queue (read at scrape time). */
    void bindGauges(SuperNodeRegistry directory, ThreadPoolExecutor worker) {
        Gauge.builder("parley_login_directory_supernodes", directory, SuperNodeRegistry::size)
                .description("Live super nodes in the directory").register(registry);
        Gauge.builder("parley_login_worker_queue_requests", worker, w -> w.getQueue().size())
                .description("Requests waiting for a worker thread (blocking work: Argon2id, database)").register(registry);
    }
}
