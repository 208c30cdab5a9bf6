package dev.parley.app.bots;

import dev.parley.app.Reports;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import org.HdrHistogram.Histogram;

/** Builds the bots report (JSON-ready map) and its readable table. */
final class BotsReport {
    private BotsReport() {}

    static Map<String, Object> build(Map<String, Object> config, Map<String, Object> setup, BotWorkload.Results r,
            Map<String, Object> overlayStats, String memoryScope) {
        long completed = r.completed.sum();
        double seconds = r.elapsedNanos / 1e9;
        long answered = completed - r.errors.values().stream().mapToLong(x -> x.sum()).sum();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("searches", completed);
        m.put("found_ratio", ratio(r.onlineFound.sum(), r.onlineIssued.sum()));
        m.put("not_found_correct_ratio", ratio(r.ghostNotFoundInTime.sum(), r.ghostIssued.sum()));
        m.put("latency_ms", latency(r.latencyUs));
        m.put("latency_online_ms", latency(r.onlineLatencyUs));
        Map<String, Object> contacted = new LinkedHashMap<>();
        contacted.put("mean", Reports.round(answered == 0 ? 0 : (double) r.contactedSum.sum() / answered, 3));
        contacted.put("max", r.contactedMax.get());
        contacted.put("mean_online", Reports.round(r.onlineIssued.sum() == 0 ? 0 : (double) r.onlineContactedSum.sum() / r.onlineIssued.sum(), 3));
        contacted.put("mean_online_uncached", Reports.round(r.onlineUncached.sum() == 0 ? 0
                : (double) r.onlineUncachedContactedSum.sum() / r.onlineUncached.sum(), 3));
        m.put("supernodes_contacted", contacted);
        m.put("cache_hit_ratio", ratio(r.cacheHits.sum(), answered));
        m.put("throughput_per_s", Reports.round(completed / seconds, 3));
        Map<String, Object> cpu = new LinkedHashMap<>();
        cpu.put("us_per_search", Reports.round(completed == 0 ? 0 : r.cpuNanos / 1000.0 / completed, 1));
        cpu.put("cores_busy", Reports.round(r.cpuNanos / (double) r.elapsedNanos, 3));
        // The JIT compilers' share is the JVMs still warming up (C2 can be a fifth of it in a 20 s run),
        // not the steady cost of a search: shown apart, so runs compare without its noise.
        cpu.put("jit_us_per_search", Reports.round(completed == 0 ? 0 : r.jitNanos / 1000.0 / completed, 1));
        cpu.put("us_per_search_without_jit", Reports.round(completed == 0 ? 0 : (r.cpuNanos - r.jitNanos) / 1000.0 / completed, 1));
        cpu.put("scope", String.valueOf(setup.get("overlay")).startsWith("external") ? "bots only" : "bots + super nodes");
        m.put("cpu", cpu);
        Map<String, Object> counts = new LinkedHashMap<>();
        counts.put("issued", r.issued.sum());
        counts.put("skipped_in_flight_limit", r.skipped.sum());
        counts.put("online_target_searches", r.onlineIssued.sum());
        counts.put("online_found", r.onlineFound.sum());
        counts.put("nonexistent_target_searches", r.ghostIssued.sum());
        counts.put("nonexistent_not_found_in_deadline", r.ghostNotFoundInTime.sum());
        counts.put("record_verification_failures", r.verifyFailures.sum());
        counts.put("churn_events", r.churnEvents.sum());
        Map<String, Long> errors = new TreeMap<>();
        r.errors.forEach((k, v) -> errors.put(k, v.sum()));
        counts.put("errors", errors);
        counts.put("elapsed_s", Reports.round(seconds, 3));
        m.put("counts", counts);
        Map<String, Object> memory = new LinkedHashMap<>();
        memory.put("per_supernode_bytes", overlayStats.get("per_supernode_bytes"));
        memory.put("heap_used_after_gc_bytes", overlayStats.get("heap_used_after_gc_bytes"));
        memory.put("scope", memoryScope);
        m.put("memory", memory);
        m.put("supernodes", overlayStats);
        m.put("setup", setup);
        m.put("config", config);
        return m;
    }

    private static Map<String, Object> latency(Histogram h) {
        Map<String, Object> l = new LinkedHashMap<>();
        l.put("p50", ms(h.getValueAtPercentile(50)));
        l.put("p90", ms(h.getValueAtPercentile(90)));
        l.put("p99", ms(h.getValueAtPercentile(99)));
        l.put("max", ms(h.getMaxValue()));
        return l;
    }

    private static double ms(long us) {
        return Reports.round(us / 1000.0, 3);
    }

    private static double ratio(long a, long b) {
        return b == 0 ? 1.0 : Math.round(a * 1_000_000.0 / b) / 1_000_000.0;
    }

    @SuppressWarnings("unchecked")
    static String table(Map<String, Object> m) {
        Map<String, Object> lat = (Map<String, Object>) m.get("latency_ms");
        Map<String, Object> latOnline = (Map<String, Object>) m.get("latency_online_ms");
        Map<String, Object> sn = (Map<String, Object>) m.get("supernodes_contacted");
        Map<String, Object> counts = (Map<String, Object>) m.get("counts");
        Map<String, Object> mem = (Map<String, Object>) m.get("memory");
        Map<String, Object> cfg = (Map<String, Object>) m.get("config");
        Map<String, Object> setup = (Map<String, Object>) m.get("setup");
        StringBuilder b = new StringBuilder();
        b.append(String.format("parley bots: %s super nodes, %s bots, %s s at %s searches/s, offline share %s, churn %s/s, digests %s, seed %s%n",
                cfg.get("supernodes"), cfg.get("bots"), cfg.get("duration_s"), cfg.get("rate_per_s"),
                cfg.get("offline_share"), cfg.get("churn_per_s"), cfg.get("digests"), cfg.get("seed")));
        String argon2 = String.valueOf(cfg.get("argon2"));
        b.append(String.format("setup: logins %s ms, registrations %s ms (Argon2id %s)%n", setup.get("login_ms"),
                setup.get("register_ms"), argon2.startsWith("m=") ? argon2 + ", cheap on purpose" : "cost: " + argon2));
        row(b, "searches", m.get("searches") + "  (" + m.get("throughput_per_s") + "/s)");
        row(b, "found (online users)", pct(m.get("found_ratio")) + "  (" + counts.get("online_found") + " of " + counts.get("online_target_searches") + ")");
        row(b, "not found in deadline (no such user)", pct(m.get("not_found_correct_ratio")) + "  (" + counts.get("nonexistent_not_found_in_deadline")
                + " of " + counts.get("nonexistent_target_searches") + ")");
        row(b, "latency ms p50 / p90 / p99 / max", lat.get("p50") + " / " + lat.get("p90") + " / " + lat.get("p99") + " / " + lat.get("max"));
        row(b, "  online users only", latOnline.get("p50") + " / " + latOnline.get("p90") + " / " + latOnline.get("p99") + " / " + latOnline.get("max"));
        row(b, "super nodes contacted mean / max", sn.get("mean") + " / " + sn.get("max"));
        row(b, "  online users, mean (all / not cached)", sn.get("mean_online") + " / " + sn.get("mean_online_uncached"));
        row(b, "cache hit ratio", pct(m.get("cache_hit_ratio")));
        Map<String, Object> cpu = (Map<String, Object>) m.get("cpu");
        row(b, "CPU per search (" + cpu.get("scope") + ")", cpu.get("us_per_search") + " µs  (" + cpu.get("cores_busy") + " cores busy)");
        row(b, "  of it JIT compilers / without them", cpu.get("jit_us_per_search") + " / " + cpu.get("us_per_search_without_jit") + " µs");
        if (mem.get("per_supernode_bytes") instanceof Number perSn) {
            row(b, "memory per super node", String.format("%.1f KiB", perSn.longValue() / 1024.0));
        } else {
            row(b, "memory per super node", String.valueOf(mem.get("scope")));
        }
        row(b, "errors / skipped", counts.get("errors") + " / " + counts.get("skipped_in_flight_limit"));
        row(b, "churn events", String.valueOf(counts.get("churn_events")));
        if (m.get("supernodes") instanceof Map<?, ?> overlay && overlay.get("metrics") instanceof Map<?, ?> metrics) {
            row(b, "metrics scrape ms p50 / p99 / max", metrics.get("scrape_p50_ms") + " / " + metrics.get("scrape_p99_ms") + " / "
                    + metrics.get("scrape_max_ms") + "  (" + metrics.get("scrapes") + " scrapes, " + metrics.get("scrape_mean_bytes")
                    + " bytes each, every " + cfg.get("metrics_scrape_ms") + " ms)");
            if (metrics.containsKey("scrape_cpu_p50_ms")) {
                row(b, "  of it CPU ms p50 / p99 / max", metrics.get("scrape_cpu_p50_ms") + " / " + metrics.get("scrape_cpu_p99_ms")
                        + " / " + metrics.get("scrape_cpu_max_ms"));
            }
            if (metrics.containsKey("scrape_runqueue_p50_ms")) {
                row(b, "  waiting for a core ms p50 / p99 / max", metrics.get("scrape_runqueue_p50_ms") + " / "
                        + metrics.get("scrape_runqueue_p99_ms") + " / " + metrics.get("scrape_runqueue_max_ms"));
            }
        }
        return b.toString();
    }

    private static void row(StringBuilder b, String name, String value) {
        b.append(String.format("  %-38s %s%n", name, value));
    }

    private static String pct(Object ratio) {
        return String.format("%.3f %%", ((Number) ratio).doubleValue() * 100);
    }
}
