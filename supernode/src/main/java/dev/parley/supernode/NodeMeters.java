package dev.parley.supernode;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.DoubleStream;

/**
 * The super node's event meters (Micrometer): searches by outcome with their latency and the super
 * nodes each contacted, call signals routed, and rate-limit refusals. Counts that already exist
 * (presence, mesh traffic, relay) are bound at scrape time by {@link SuperNodeMetrics} instead.
 *
 * <p>All meters are created up front: recording is a lock-free increment, cheap on event loops.
 */
final class NodeMeters {
    /** Meters in a registry without backends: recording costs next to nothing. */
    static final NodeMeters NONE = new NodeMeters(new CompositeMeterRegistry());

    /** A per-client limit whose refusal ({@code RATE_LIMITED}) is counted, as the {@code limit} label. */
    enum Limit { SEARCH, CALL_SIGNAL, RELAY_ALLOCATION }

    /**
     * Upper bounds of the search-latency buckets: 15 from 0.5 ms to the 10 s search deadline. Micrometer's
     * percentile histogram had ~70 per outcome, three quarters of a scrape's text and time
     * (docs/benchmarks.md "What metrics cost").
     */
    private static final Duration[] SEARCH_BUCKETS = DoubleStream.of(0.5, 1, 2, 3, 5, 10, 20, 50, 100, 200, 500, 1_000, 2_000,
            5_000, 10_000).mapToObj(ms -> Duration.ofNanos((long) (ms * 1_000_000))).toArray(Duration[]::new);

    private final Timer found;
    private final Timer notFound;
    private final Timer cached;
    private final DistributionSummary contacted;
    private final Counter signalsRouted;
    private final Counter signalsFailed;
    private final Counter relayAllocations;
    private final Map<Limit, Counter> limited = new EnumMap<>(Limit.class);

    NodeMeters(MeterRegistry registry) {
        found = searchTimer(registry, "found");
        notFound = searchTimer(registry, "not_found");
        cached = searchTimer(registry, "cached");
        contacted = DistributionSummary.builder("parley_supernode_search_contacted_supernodes")
                .description("Peer super nodes one mesh search asked (cache hits not included)")
                .serviceLevelObjectives(1, 2, 4, 8, 16, 32, 64).register(registry);
        signalsRouted = signalCounter(registry, "ok");
        signalsFailed = signalCounter(registry, "failed");
        relayAllocations = Counter.builder("parley_supernode_relay_allocations")
                .description("Relay allocations granted to local clients (refusals: parley_supernode_rate_limited)")
                .register(registry);
        for (Limit l : Limit.values()) {
            limited.put(l, Counter.builder("parley_supernode_rate_limited")
                    .description("Client requests refused with RATE_LIMITED, by limit")
                    .tag("limit", l.name().toLowerCase(Locale.ROOT)).register(registry));
        }
    }

    private static Timer searchTimer(MeterRegistry registry, String outcome) {
        return Timer.builder("parley_supernode_search_duration")
                .description("Searches the locator ran (client searches and call signals' lookups), by outcome: "
                        + "found, not_found, cached (answered from the positive or negative cache)")
                .tag("outcome", outcome).serviceLevelObjectives(SEARCH_BUCKETS)
                .register(registry);
    }

    private static Counter signalCounter(MeterRegistry registry, String outcome) {
        return Counter.builder("parley_supernode_call_signals").description(
                "Call signals from local clients routed: ok (delivered here or accepted by the callee's super node), failed")
                .tag("outcome", outcome).register(registry);
    }

    /** Records one search's outcome and how long it took. */
    void searched(SearchOutcome outcome, long nanos) {
        if (outcome.fromCache()) {
            cached.record(nanos, TimeUnit.NANOSECONDS);
            return;
        }
        (outcome.location().isPresent() ? found : notFound).record(nanos, TimeUnit.NANOSECONDS);
        contacted.record(outcome.superNodesContacted());
    }

    void signalRouted(boolean ok) {
        (ok ? signalsRouted : signalsFailed).increment();
    }

    void relayAllocated() {
        relayAllocations.increment();
    }

    void rateLimited(Limit limit) {
        limited.get(limit).increment();
    }
}
