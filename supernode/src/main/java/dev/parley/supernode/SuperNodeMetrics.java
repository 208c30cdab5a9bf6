package dev.parley.supernode;

import dev.parley.nat.relay.MediaRelay;
import dev.parley.supernode.meshauth.MeshDatagramException;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Locale;
import java.util.function.ToDoubleFunction;

/**
 * Binds a super node's existing counters (presence, peer table, locator, mesh transport, media
 * relay) to Micrometer meters read at scrape time, so counting stays where it is (LongAdders on the
 * event loops) with no second bookkeeping. Names and meanings: docs/operations.md "Metrics and health".
 */
final class SuperNodeMetrics {
    private SuperNodeMetrics() {}

    static void bind(MeterRegistry registry, PresenceIndex presence, Mesh mesh, UserLocator locator, MeshTransport transport,
            MediaRelay relay) {
        Gauge.builder("parley_supernode_registered_clients", presence, PresenceIndex::size)
                .description("Clients registered on this super node").register(registry);
        Gauge.builder("parley_supernode_known_peers", mesh, m -> m.knownPeers().size())
                .description("Peer super nodes in the mesh's table").register(registry);
        Gauge.builder("parley_supernode_live_peers", mesh, m -> m.livePeers().size())
                .description("Peer super nodes a search may ask now").register(registry);
        LocatorCounters counts = locator.counters();
        counter(registry, "parley_supernode_locator_searches", "Searches that needed the locator (not registered here)",
                counts, LocatorCounters::searches);
        counter(registry, "parley_supernode_locator_cache_hits", "Locator searches answered from a cache",
                counts, LocatorCounters::cacheHits);
        counter(registry, "parley_supernode_locator_rejected_records", "Peer answers rejected (forged, stale, wrong user)",
                counts, LocatorCounters::rejectedRecords);
        counter(registry, "parley_supernode_locator_widened", "Searches widened to peers whose current digest said no, as a likely holder was silent",
                counts, LocatorCounters::widened);
        counter(registry, "parley_supernode_locator_widenings_refused", "Searches that would have widened, over the budget (2/s, burst 20)",
                counts, LocatorCounters::wideningsRefused);
        counter(registry, "parley_supernode_locator_throttled", "Wave ends at which a search waited instead of asking more peers, too many lookups silent",
                counts, LocatorCounters::throttled);
        counter(registry, "parley_supernode_locator_new_holder_lookups", "Lookups a running search sent to a peer whose new digest may hold the user",
                counts, LocatorCounters::newHolderAsked);
        String[] notFound = {"no_live_peer", "all_answered_no", "wave_timed_out", "deadline"};
        for (int i = 0; i < notFound.length; i++) {
            int reason = i;
            FunctionCounter.builder("parley_supernode_search_not_found", counts, c -> c.notFoundReasons()[reason])
                    .description("Mesh searches that ended not found, by reason").tag("reason", notFound[i])
                    .register(registry);
        }
        counter(registry, "parley_supernode_mesh_lookups_served", "Peer lookups answered for other super nodes",
                mesh, Mesh::lookupsServed);
        String[] direction = {"in", "in", "out", "out"};
        for (int i = 0; i < 4; i++) {
            int what = i;
            FunctionCounter.builder(i % 2 == 0 ? "parley_supernode_mesh_datagrams" : "parley_supernode_mesh_bytes",
                    transport, t -> t.traffic(what)).description("Mesh UDP datagrams (or their payload bytes), by direction")
                    .tag("direction", direction[i]).register(registry);
        }
        counter(registry, "parley_supernode_mesh_suspects_spread", "Peers suspected dead whose news (MeshSuspect) went to every live peer",
                mesh.deaths(), DeathWatch::spread);
        counter(registry, "parley_supernode_mesh_suspects_unspread",
                String.format("Peers suspected dead whose news was not spread: heard or spread within %d s, own queue standing, or over %s/s",
                        DeathWatch.SPREAD_QUIET_MS / 1000, DeathWatch.SPREADS_PER_S),
                mesh.deaths(), DeathWatch::unspread);
        counter(registry, "parley_supernode_mesh_datagrams_dropped", "Mesh datagrams received and dropped unopened or unused",
                transport, MeshTransport::dropped);
        counter(registry, "parley_supernode_mesh_lookups_shed", "Peer lookups dropped unanswered after waiting in a standing queue (overload)",
                transport, MeshTransport::shed);
        for (MeshDatagramException.Reason r : MeshDatagramException.Reason.values()) {
            FunctionCounter.builder("parley_supernode_mesh_datagrams_refused", transport, t -> t.refused(r))
                    .description("Mesh datagrams that did not open (received) or could not be sealed (cannot_seal), by reason")
                    .tag("reason", r.name().toLowerCase(Locale.ROOT)).register(registry);
        }
        counter(registry, "parley_supernode_relay_forwarded_packets", "Media packets the relay forwarded",
                relay, MediaRelay::forwarded);
        counter(registry, "parley_supernode_relay_forwarded_bytes", "Payload bytes of the media packets the relay forwarded",
                relay, MediaRelay::forwardedBytes);
        counter(registry, "parley_supernode_relay_over_rate_packets", "Media packets the relay dropped over an allocation's rate",
                relay, MediaRelay::overRate);
        counter(registry, "parley_supernode_relay_refused_packets",
                "Media packets the relay refused (unlatched peer, unknown TCP party)",
                relay, MediaRelay::refused);
    }

    private static <T> void counter(MeterRegistry registry, String name, String description, T source, ToDoubleFunction<T> f) {
        FunctionCounter.builder(name, source, f).description(description).register(registry);
    }
}
