package dev.parley.app.bots;

import dev.parley.login.LoginLimits;
import dev.parley.login.LoginServer;
import dev.parley.login.LoginServerConfig;
import dev.parley.protocol.HostPort;
import io.netty.channel.EventLoopGroup;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;

/**
 * {@code parley bots --self-organizing}: a login server and M bots on 127.0.0.1, no dedicated super
 * node. A share of the bots run the client's serve role ({@link ServingBots}: in this JVM, or in a
 * child JVM when this one cannot hold the server ends of every bot connection); the login server
 * probes and promotes them with its production {@code PromotionPolicy}; every bot then registers
 * with a promoted super node ({@link SelfOrganizingLoad}). Measured: the time from the serve
 * roles' start until every bot is registered (overlay formed), super nodes over time, promotions,
 * demotions, rejoin times of the clients of killed super nodes and the found ratio of searches
 * during churn.
 */
final class SelfOrganizingBots {
    /** Probe rates for thousands of candidates on one address: raised values, still on. */
    static final LoginLimits.ProbeLimits BOT_PROBES = new LoginLimits.ProbeLimits(1_000_000, Duration.ofMillis(1), 10_000, 10_000);
    private static final long FIRST_SUPER_NODES_S = 60;

    private SelfOrganizingBots() {}

    /**
     * Runs the benchmark.
     *
     * @param config the command's settings for the report
     * @return the report (JSON-ready)
     * @throws Exception if the overlay does not form in time
     */
    static Map<String, Object> run(EventLoopGroup group, int bots, double reachableShare, Duration warmUp,
            Duration duration, double churnPerS,
            int ratePerS, Duration killEvery, long seed, boolean servingProcess, Map<String, Object> config) throws Exception {
        Path dir = Files.createTempDirectory("parley-bots-selforg-");
        LoginServerConfig lc = LoginServerConfig.defaults(new HostPort("127.0.0.1", 0), dir.resolve("login"))
                .withArgon2(BotsOverlay.BOT_ARGON2).withWorkers(2, 100_000)
                // Every bot logs in and offers to serve from 127.0.0.1: per-address limits raised (values, still on).
                .withLimits(LoginLimits.DEFAULTS.withPerAddress(1_000_000, 1_000_000, 1_000_000, 1_000_000)
                        .withProbes(BOT_PROBES));
        Map<String, Object> setup = new LinkedHashMap<>();
        try (LoginServer login = LoginServer.start(lc);
                BotFleet fleet = new BotFleet(group, InstantSource.system(), bots, 0, seed)) {
            System.err.printf("bots: creating and logging in %d accounts...%n", bots);
            setup.put("login_ms", fleet.loginAll(login.boundAddress()));
            int reachable = Math.max(1, (int) Math.round(bots * reachableShare));
            System.err.printf("bots: %d bots offer to serve (%s); waiting for promotions...%n", reachable,
                    servingProcess ? "child JVM" : "this JVM");
            setup.put("serving_bots", servingProcess ? "child JVM (-Xmx" + ServeRolesProcess.MAX_HEAP + ")" : "this JVM");
            ServeRoles roles = servingProcess
                    ? new ServeRolesProcess(login.boundAddress(), fleet.serverKey, dir, reachable, seed)
                    : new LocalServeRoles(group, login.boundAddress(), fleet.serverKey, dir, reachable, seed);
            long t0 = System.nanoTime();
            try (ServingBots serving = new ServingBots(roles);
                    SelfOrganizingLoad load = new SelfOrganizingLoad(fleet, serving)) {
                // One JVM starts the roles one after another (node key, TLS identity: ~35 ms each on a
                // shared 2-core machine); real clients start theirs in parallel, each on its own host.
                long t1 = System.nanoTime();
                setup.put("serve_roles_start_ms", (t1 - t0) / 1_000_000);
                long deadline = t0 + TimeUnit.SECONDS.toNanos(FIRST_SUPER_NODES_S);
                while (serving.live().isEmpty() || serving.firstServingNanos == 0) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("no bot was promoted within " + FIRST_SUPER_NODES_S + " s");
                    }
                    TimeUnit.MILLISECONDS.sleep(20); // polling the roles, bounded by the deadline
                }
                setup.put("first_super_node_ms", (serving.firstServingNanos - t0) / 1_000_000); // promoted (serving), ± 100 ms
                System.err.printf("bots: registering %d bots...%n", bots);
                load.registerAll(new SplittableRandom(seed ^ 0x5eed));
                long formedMs = (System.nanoTime() - t0) / 1_000_000;
                setup.put("super_nodes_at_formed", serving.live().size());
                setup.put("formed_after_roles_started_ms", (System.nanoTime() - t1) / 1_000_000);
                System.err.printf("bots: overlay formed in %d ms; searches only for %d s (warm-up), then churn %s/s for %d s...%n",
                        formedMs, warmUp.toSeconds(), churnPerS, duration.toSeconds());
                load.warmUp(warmUp, ratePerS, seed + 2);
                int promotionsBefore = serving.promotions.get();
                load.run(duration, churnPerS, ratePerS, killEvery, seed + 1);
                return report(config, setup, formedMs, serving, load, promotionsBefore);
            }
        }
    }

    private static Map<String, Object> report(Map<String, Object> config, Map<String, Object> setup, long formedMs,
            ServingBots serving, SelfOrganizingLoad load, int promotionsBefore) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("overlay_formed_ms", formedMs);
        m.put("super_nodes_end", serving.live().size());
        List<List<Long>> series = new ArrayList<>();
        synchronized (serving.series) {
            serving.series.forEach(p -> series.add(List.of(p[0], p[1])));
        }
        m.put("super_nodes_over_time", series);
        m.put("promotions", serving.promotions.get());
        m.put("promotions_during_churn", serving.promotions.get() - promotionsBefore);
        m.put("demotions", serving.demotions.get());
        m.put("super_nodes_killed", serving.kills.get());
        Histogram h = load.rejoinMs;
        Map<String, Object> rejoin = new LinkedHashMap<>();
        rejoin.put("count", h.getTotalCount());
        rejoin.put("p50", h.getValueAtPercentile(50));
        rejoin.put("p99", h.getValueAtPercentile(99));
        rejoin.put("max", h.getMaxValue());
        rejoin.put("failed", load.rejoinFailures.sum());
        Map<String, Long> rejoinErrors = new LinkedHashMap<>();
        load.rejoinErrors.forEach((k, v) -> rejoinErrors.put(k, v.sum()));
        rejoin.put("failed_by_error", rejoinErrors);
        m.put("rejoin_ms", rejoin);
        Histogram seen = load.lossSeenMs;
        m.put("loss_seen_ms", Map.of("p50", seen.getValueAtPercentile(50), "p99", seen.getValueAtPercentile(99),
                "max", seen.getMaxValue()));
        Map<String, Long> errors = new LinkedHashMap<>();
        load.errors.forEach((k, v) -> errors.put(k, v.sum()));
        m.put("search_errors", errors);
        Histogram f = load.foundAgainMs;
        Map<String, Object> again = new LinkedHashMap<>();
        again.put("count", f.getTotalCount());
        again.put("p50", f.getValueAtPercentile(50));
        again.put("p99", f.getValueAtPercentile(99));
        again.put("max", f.getMaxValue());
        again.put("failed", load.foundAgainFailures.sum());
        again.put("stale_answers", load.foundAgainStale.sum());
        m.put("found_again_ms", again);
        long searches = load.searches.sum();
        m.put("searches_during_churn", searches);
        m.put("found_ratio_during_churn", searches == 0 ? 1.0 : Math.round(load.found.sum() * 1_000_000.0 / searches) / 1_000_000.0);
        String[] outcomeNames = {"found", "stale_record", "not_found", "error"};
        String[] stateNames = {"target_registered", "target_rejoining", "searcher_lost_its_super_node"};
        Map<String, Object> byState = new LinkedHashMap<>();
        for (int st = 0; st < stateNames.length; st++) {
            Map<String, Object> row = new LinkedHashMap<>();
            for (int o = 0; o < outcomeNames.length; o++) {
                row.put(outcomeNames[o], load.outcomes[st][o].sum());
            }
            byState.put(stateNames[st], row);
        }
        m.put("searches_by_target_state", byState);
        m.put("stale_records_from_cache", load.staleFromCache.sum());
        long registered = 0;
        for (LongAdder a : load.outcomes[SelfOrganizingLoad.REGISTERED]) {
            registered += a.sum();
        }
        long registeredFound = load.outcomes[SelfOrganizingLoad.REGISTERED][SelfOrganizingLoad.FOUND].sum();
        m.put("found_ratio_target_registered", registered == 0 ? 1.0 : Math.round(registeredFound * 1_000_000.0 / registered) / 1_000_000.0);
        m.put("searches_skipped", load.skipped.sum());
        m.put("churn_events", load.churnEvents.sum());
        m.put("online_end", load.online());
        m.put("setup", setup);
        m.put("config", config);
        return m;
    }

    /** @return the report as a readable table */
    @SuppressWarnings("unchecked")
    static String table(Map<String, Object> m) {
        Map<String, Object> cfg = (Map<String, Object>) m.get("config");
        Map<String, Object> setup = (Map<String, Object>) m.get("setup");
        Map<String, Object> rejoin = (Map<String, Object>) m.get("rejoin_ms");
        StringBuilder b = new StringBuilder();
        b.append(String.format("parley bots --self-organizing: %s bots, reachable share %s, no dedicated super node; "
                + "churn %s/s and %s searches/s for %s s, busiest super node killed every %s s, seed %s%n",
                cfg.get("bots"), cfg.get("reachable_share"), cfg.get("churn_per_s"), cfg.get("rate_per_s"),
                cfg.get("duration_s"), cfg.get("kill_every_s"), cfg.get("seed")));
        b.append(String.format("setup: logins %s ms (before the clock below starts); serving bots in %s%n",
                setup.get("login_ms"), setup.get("serving_bots")));
        row(b, "serve roles started (one after another)", setup.get("serve_roles_start_ms") + " ms");
        row(b, "first bot promoted", setup.get("first_super_node_ms") + " ms after the first serve role started");
        row(b, "overlay formed (every bot registered)", m.get("overlay_formed_ms") + " ms after the first serve role started, "
                + setup.get("formed_after_roles_started_ms") + " ms after the last  (" + setup.get("super_nodes_at_formed")
                + " super nodes)");
        row(b, "super nodes over time [s, count]", seriesText((List<List<Long>>) m.get("super_nodes_over_time")));
        row(b, "promotions / demotions / killed", m.get("promotions") + " / " + m.get("demotions") + " / " + m.get("super_nodes_killed"));
        row(b, "rejoin ms p50 / p99 / max (count)", rejoin.get("p50") + " / " + rejoin.get("p99") + " / " + rejoin.get("max")
                + "  (" + rejoin.get("count") + ", " + rejoin.get("failed") + " failed)");
        if (!((Map<?, ?>) rejoin.get("failed_by_error")).isEmpty()) {
            row(b, "  rejoins given up, by last error", rejoin.get("failed_by_error").toString());
        }
        row(b, "  of which its client saw the loss after", m.get("loss_seen_ms").toString());
        Map<String, Object> again = (Map<String, Object>) m.get("found_again_ms");
        row(b, "found again ms p50 / p99 / max (count)", again.get("p50") + " / " + again.get("p99") + " / " + again.get("max")
                + "  (" + again.get("count") + ", " + again.get("failed") + " not found in 25 tries, "
                + again.get("stale_answers") + " stale answers on the way)");
        row(b, "found during churn", String.format("%.3f %%  (%s searches, %s skipped)",
                ((Number) m.get("found_ratio_during_churn")).doubleValue() * 100, m.get("searches_during_churn"),
                m.get("searches_skipped")));
        row(b, "  of searches for registered bots", String.format("%.3f %%  (neither end rejoining)",
                ((Number) m.get("found_ratio_target_registered")).doubleValue() * 100));
        Map<String, Object> byState = (Map<String, Object>) m.get("searches_by_target_state");
        byState.forEach((state, outcomes) -> row(b, "  " + state.replace('_', ' '), outcomes.toString()));
        row(b, "  stale records from a cache", String.valueOf(m.get("stale_records_from_cache")));
        row(b, "  search errors", m.get("search_errors").toString());
        row(b, "churn events / online at end", m.get("churn_events") + " / " + m.get("online_end"));
        return b.toString();
    }

    private static String seriesText(List<List<Long>> series) {
        StringBuilder b = new StringBuilder();
        int step = Math.max(1, series.size() / 12); // a short series: about a dozen points
        for (int i = 0; i < series.size(); i += step) {
            b.append(series.get(i).get(0)).append(':').append(series.get(i).get(1)).append(' ');
        }
        return b.toString().trim();
    }

    private static void row(StringBuilder b, String name, String value) {
        b.append(String.format("  %-40s %s%n", name, value));
    }
}
