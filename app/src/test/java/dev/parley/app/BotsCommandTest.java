package dev.parley.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A small, bounded {@code parley bots} run in this JVM: the report has the promised keys and sane values. */
class BotsCommandTest {
    @TempDir
    Path dir;

    @Test
    void smallRunReportsEveryKeyAndFindsEveryOnlineBot() throws Exception {
        Path report = dir.resolve("bots.json");
        StringWriter err = new StringWriter();
        var cl = Main.commandLine();
        cl.setErr(new PrintWriter(err));
        int status = cl.execute("bots", "--supernodes", "3", "--bots", "30", "--duration", "2", "--rate", "40",
                "--warmup", "0", "--offline-share", "0.25", "--churn", "2", "--seed", "7", "--report", report.toString(),
                "--metrics-scrape-ms", "200");
        assertThat(status).as("exit status; stderr: %s", err).isZero();

        JsonNode r = new ObjectMapper().readTree(report.toFile());
        for (String key : new String[] {"searches", "found_ratio", "not_found_correct_ratio", "latency_ms",
                "supernodes_contacted", "cache_hit_ratio", "throughput_per_s", "memory"}) {
            assertThat(r.has(key)).as("key %s in %s", key, r).isTrue();
        }
        for (String p : new String[] {"p50", "p90", "p99", "max"}) {
            assertThat(r.get("latency_ms").get(p).asDouble()).isPositive();
        }
        assertThat(r.get("searches").asLong()).isEqualTo(80);
        assertThat(r.get("found_ratio").asDouble()).isEqualTo(1.0);
        assertThat(r.get("not_found_correct_ratio").asDouble()).isEqualTo(1.0);
        assertThat(r.get("counts").get("nonexistent_target_searches").asLong()).isPositive();
        assertThat(r.get("counts").get("churn_events").asLong()).isPositive();
        assertThat(r.get("supernodes_contacted").get("max").asInt()).isBetween(1, 2);
        assertThat(r.get("memory").get("per_supernode_bytes").asLong()).isPositive();
        assertThat(r.get("cpu").get("us_per_search").asDouble()).as("CPU per search, µs").isPositive();
        assertThat(r.get("cpu").get("scope").asText()).isEqualTo("bots + super nodes");
        // The JIT compilers' share is counted in the whole and shown apart (a 2 s run in a fresh overlay: they work).
        double jit = r.get("cpu").get("jit_us_per_search").asDouble();
        assertThat(jit).as("JIT CPU per search, µs").isPositive();
        assertThat(r.get("cpu").get("us_per_search_without_jit").asDouble() + jit)
                .isCloseTo(r.get("cpu").get("us_per_search").asDouble(), offset(0.2));
        assertThat(r.get("supernodes").get("online_users").asLong()).as("stable bots stay online").isGreaterThanOrEqualTo(27);
        assertThat(r.get("supernodes").get("mesh_datagrams_sent").asLong()).as("pings and lookups at least").isPositive();
        assertThat(r.get("supernodes").has("suspects_spread") && r.get("supernodes").has("suspects_unspread")).isTrue();
        JsonNode metrics = r.get("supernodes").get("metrics"); // each super node's registry, scraped every 200 ms
        assertThat(metrics.get("scrapes").asLong()).as("scrapes in %s", metrics).isGreaterThanOrEqualTo(3 * 5);
        assertThat(metrics.get("scrape_mean_bytes").asLong()).as("a scrape carries the super node's meters").isGreaterThan(2_000);
        assertThat(metrics.get("scrape_p50_ms").asDouble()).isPositive();
        // Each scrape's CPU time lies within its wall time, so every quantile does too (HdrHistogram: 3 digits).
        assertThat(metrics.get("scrape_cpu_p50_ms").asDouble()).isPositive()
                .isLessThanOrEqualTo(metrics.get("scrape_p50_ms").asDouble() * 1.01);
        assertThat(metrics.get("scrape_cpu_p99_ms").asDouble()).isLessThanOrEqualTo(metrics.get("scrape_p99_ms").asDouble() * 1.01);
    }
}
