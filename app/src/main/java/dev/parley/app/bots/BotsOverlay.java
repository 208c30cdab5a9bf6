package dev.parley.app.bots;

import dev.parley.login.Argon2Params;
import dev.parley.login.LoginLimits;
import dev.parley.login.LoginServer;
import dev.parley.login.LoginServerConfig;
import dev.parley.protocol.HostPort;
import dev.parley.supernode.ControlLimits;
import dev.parley.supernode.SearchSettings;
import dev.parley.supernode.SuperNode;
import dev.parley.supernode.SuperNodeConfig;
import dev.parley.supernode.SuperNodeStats;
import dev.parley.supernode.meshauth.MeshDatagramException;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * A benchmark overlay in this JVM: a real login server (SQLite file, Argon2id at {@link #BOT_ARGON2}
 * — a deliberately cheap cost so that 10,000 accounts can be created quickly; the login protocol
 * is unchanged) and N real super nodes on 127.0.0.1 sharing one event loop group of
 * {@link #LOOP_THREADS} threads (TCP and UDP sockets are real; no thread per super node).
 */
final class BotsOverlay implements AutoCloseable {
    /** Argon2id cost used for bot accounts: m = 64 KiB, t = 1, p = 1 (OWASP is 19 MiB, t = 2). */
    static final Argon2Params BOT_ARGON2 = new Argon2Params(64, 1, 1);
    /** Event loop threads shared by all super nodes. */
    static final int LOOP_THREADS = 2;
    private static final Duration HEARTBEAT = Duration.ofSeconds(1);

    final LoginServer login;
    final List<SuperNode> superNodes = new ArrayList<>();
    private final EventLoopGroup loops = new NioEventLoopGroup(LOOP_THREADS, new DefaultThreadFactory("overlay", true));
    private final long baselineHeapBytes;
    private final @Nullable MetricsScraper scraper;
    /** The scrape figures, taken (and the scrapes stopped) at the first {@link #stats()}. */
    private @Nullable Object scrapeStats;

    /**
     * Starts the login server and {@code count} super nodes and waits until every super node sees
     * every other one as live (bounded by 60 s).
     *
     * @param dir data directory (login database)
     * @param count super nodes (≥ 1)
     * @param digests whether searches use presence digests
     * @param seed seeds the super nodes' random sources
     * @param scrapeMs when > 0, every super node gets a Prometheus registry scraped this often
     *     ({@link MetricsScraper}); 0: no metrics (the meters are no-ops)
     * @throws Exception if something does not start in time
     */
    BotsOverlay(Path dir, int count, boolean digests, long seed, int scrapeMs) throws Exception {
        login = LoginServer.start(LoginServerConfig.defaults(new HostPort("127.0.0.1", 0), dir.resolve("login"))
                .withArgon2(BOT_ARGON2).withWorkers(2, 100_000)
                // Every bot logs in from 127.0.0.1: lift the per-address limits for the benchmark.
                .withLimits(LoginLimits.DEFAULTS.withPerAddress(1_000_000, 1_000_000, 1_000_000, 1_000_000)));
        scraper = scrapeMs > 0 ? new MetricsScraper() : null;
        try {
            baselineHeapBytes = heapAfterGc();
            for (int i = 0; i < count; i++) {
                SuperNodeConfig c = SuperNodeConfig.defaults(new HostPort("127.0.0.1", 0), login.boundAddress(),
                        dir.resolve("sn" + i)).withTimings(HEARTBEAT, SuperNodeConfig.DEFAULT_PEER_REQUEST_TIMEOUT)
                        .withEnrollToken(login.superNodes().createToken(Duration.ofMinutes(10))); // the operator's step
                // Bots search far more often than people: lift the per-client limit for the benchmark.
                SearchSettings search = c.search().withDigests(digests).withRateLimit(200, 400);
                // ... and every bot connects from 127.0.0.1: lift the per-address connection cap and
                // the per-client call-signal limits too (they stay on, just high).
                ControlLimits limits = c.limits().withConnectionsPerAddress(1_000_000).withSignalLimits(200, 400, 200, 400);
                superNodes.add(SuperNode.start(c.withSearch(search).withLimits(limits), seeded(seed * 1_000 + i), loops,
                        scraper == null ? new CompositeMeterRegistry() : scraper.newRegistry()));
            }
            if (scraper != null) {
                scraper.start(scrapeMs);
            }
            for (SuperNode sn : superNodes) {
                sn.ready().get(60, TimeUnit.SECONDS);
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (superNodes.stream().anyMatch(sn -> sn.livePeers().size() < count - 1)) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("super nodes did not learn each other within 60 s");
                }
                TimeUnit.MILLISECONDS.sleep(50); // polling heartbeats, bounded by the deadline
            }
        } catch (Exception e) {
            close();
            throw e;
        }
    }

    private static SecureRandom seeded(long seed) throws NoSuchAlgorithmException {
        SecureRandom r = SecureRandom.getInstance("SHA1PRNG");
        r.setSeed(seed);
        return r;
    }

    HostPort loginAddress() {
        return login.boundAddress();
    }

    List<HostPort> superNodeAddresses() {
        return superNodes.stream().map(SuperNode::advertisedAddress).toList();
    }

    /** @return the fewest live peers any super node has now (debug) */
    int minLivePeers() {
        return superNodes.stream().mapToInt(sn -> sn.livePeers().size()).min().orElse(0);
    }

    /** Runs a mesh round on every super node (fresh digests), waiting up to 30 s. */
    void meshRound() throws Exception {
        CompletableFuture.allOf(superNodes.stream().map(SuperNode::meshRound).toArray(CompletableFuture[]::new))
                .get(30, TimeUnit.SECONDS);
    }

    /** @return summed super-node counters and heap use after GC per super node */
    Map<String, Object> stats() {
        // Scrape figures first, and no scrape after: the heap figure below runs full GCs, which would
        // stop a scrape under way for hundreds of ms (not what a scrape costs).
        if (scraper != null && scrapeStats == null) {
            try {
                scrapeStats = scraper.stats();
            } catch (Exception e) {
                scrapeStats = "unavailable: " + e;
            }
            scraper.close();
        }
        Object scrapes = scrapeStats;
        long online = 0;
        long searches = 0;
        long cacheHits = 0;
        long lookups = 0;
        long rejected = 0;
        long cached = 0;
        long dropped = 0;
        long throttled = 0;
        long shed = 0;
        long sent = 0;
        long spread = 0;
        long unspread = 0;
        Map<String, Long> refused = new TreeMap<>();
        long[] notFound = new long[4];
        for (SuperNode sn : superNodes) {
            SuperNodeStats s = sn.stats();
            dropped += s.datagramsDropped();
            for (int i = 0; i < notFound.length; i++) {
                notFound[i] += s.notFoundReasons()[i];
            }
            throttled += s.throttled();
            shed += s.lookupsShed();
            sent += s.meshSent();
            spread += s.suspectsSpread();
            unspread += s.suspectsUnspread();
            for (int i = 0; i < s.meshRefused().length; i++) {
                refused.merge(MeshDatagramException.Reason.values()[i].name().toLowerCase(Locale.ROOT), s.meshRefused()[i], Long::sum);
            }
            online += s.onlineUsers();
            searches += s.searches();
            cacheHits += s.cacheHits();
            lookups += s.lookupsServed();
            rejected += s.rejectedRecords();
            cached += s.cachedEntries();
        }
        int minLive = superNodes.stream().mapToInt(sn -> sn.livePeers().size()).min().orElse(0);
        long heap = heapAfterGc();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("online_users", online);
        m.put("live_peers_min", minLive);
        m.put("locator_searches", searches);
        m.put("locator_cache_hits", cacheHits);
        m.put("peer_lookups_served", lookups);
        m.put("rejected_records", rejected);
        m.put("cached_entries", cached);
        m.put("datagrams_dropped", dropped);
        m.put("not_found_nobody_to_ask", notFound[0]); // no live peer, or every current digest says no
        m.put("not_found_all_answered", notFound[1]);
        m.put("not_found_last_wave_timed_out", notFound[2]);
        m.put("not_found_deadline", notFound[3]);
        m.put("searches_throttled", throttled); // wave ends that waited: too many lookups silent
        m.put("lookups_shed", shed); // dropped unanswered in a standing queue
        refused.values().removeIf(v -> v == 0);
        m.put("mesh_refused", refused); // did not open, by reason
        m.put("mesh_datagrams_sent", sent);
        m.put("suspects_spread", spread); // news of a suspected peer sent to every live peer
        m.put("suspects_unspread", unspread); // not sent: heard already, own queue standing, over the rate
        m.put("heap_used_after_gc_bytes", heap);
        m.put("heap_baseline_bytes", baselineHeapBytes);
        m.put("per_supernode_bytes", Math.max(0, heap - baselineHeapBytes) / Math.max(1, superNodes.size()));
        if (scrapes != null) {
            m.put("metrics", scrapes);
        }
        return m;
    }

    static long heapAfterGc() {
        for (int i = 0; i < 3; i++) {
            System.gc(); // measurement only: settle the heap before reading it
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    @Override
    public void close() {
        if (scraper != null) {
            scraper.close();
        }
        superNodes.forEach(SuperNode::close);
        if (login != null) {
            login.close();
        }
        loops.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5_000);
    }
}
