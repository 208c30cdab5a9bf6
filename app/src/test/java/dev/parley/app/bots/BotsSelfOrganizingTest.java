package dev.parley.app.bots;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.parley.app.Main;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code parley bots --self-organizing}: no dedicated super node; bots are promoted by the login
 * server, the others register through them, and the clients of killed super nodes rejoin.
 */
class BotsSelfOrganizingTest {
    @TempDir
    Path dir;

    @Test
    void theOverlayFormsFromBotsAndHealsWhenServingBotsDie() throws Exception {
        Path report = dir.resolve("selforg.json");
        StringWriter err = new StringWriter();
        var cl = Main.commandLine();
        cl.setErr(new PrintWriter(err));
        int status = cl.execute("bots", "--self-organizing", "--bots", "40", "--reachable-share", "0.25", "--duration", "5",
                "--warmup", "1", "--rate", "50", "--churn", "2", "--kill-every", "2", "--seed", "7", "--report", report.toString());
        assertThat(status).as("exit status; stderr: %s", err).isZero();

        JsonNode r = new ObjectMapper().readTree(report.toFile());
        assertThat(r.get("overlay_formed_ms").asLong()).as("every bot registered within 10 s").isBetween(1L, 10_000L);
        assertThat(r.get("promotions").asInt()).as("the bootstrap promotes at least 3 bots").isGreaterThanOrEqualTo(3);
        assertThat(r.get("super_nodes_killed").asInt()).as("busiest serving bots killed").isGreaterThanOrEqualTo(2);
        assertThat(r.get("promotions_during_churn").asInt()).as("a replacement is promoted for each killed one")
                .isGreaterThanOrEqualTo(1);
        JsonNode rejoin = r.get("rejoin_ms");
        assertThat(rejoin.get("count").asLong()).as("the killed super nodes' clients rejoined").isPositive();
        assertThat(rejoin.get("failed").asLong()).isZero();
        assertThat(rejoin.get("p99").asLong()).as("rejoin within 2 s").isLessThanOrEqualTo(2_000);
        assertThat(r.get("searches_during_churn").asLong()).isPositive();
        assertThat(r.get("found_ratio_during_churn").asDouble()).as("searches keep finding bots").isGreaterThan(0.7);
        assertThat(r.get("super_nodes_over_time").size()).isPositive();
        JsonNode again = r.get("found_again_ms");
        assertThat(again.get("count").asLong()).as("rejoined clients found by a search again").isPositive();
        assertThat(again.get("failed").asLong()).as("every rejoined client found again").isZero();
        // The 3 s p99 target is a benchmark figure (docs/benchmarks.md); its tail moves with the machine's
        // load. The median shows the news of the death works (without it, caches hold the dead node's
        // records for their 5 s TTL); DeadSuperNodeTest proves the mechanism on its own.
        assertThat(again.get("p50").asLong()).as("found again, median, within 3 s of the death").isLessThanOrEqualTo(3_000);
    }

    /**
     * The serving bots in a child JVM ({@code --overlay-process}, what M = 10,000 needs): the
     * overlay forms through super nodes in another process, and killing one there is a real death
     * for the clients here (their connections drop and they rejoin).
     */
    @Test
    void theServingBotsCanRunInAChildJvm() throws Exception {
        Path report = dir.resolve("child.json");
        StringWriter err = new StringWriter();
        var cl = Main.commandLine();
        cl.setErr(new PrintWriter(err));
        int status = cl.execute("bots", "--self-organizing", "--overlay-process", "--bots", "20", "--reachable-share", "0.25",
                "--duration", "5", "--warmup", "1", "--rate", "50", "--churn", "1", "--kill-every", "2", "--seed", "11", "--report", report.toString());
        assertThat(status).as("exit status; stderr: %s", err).isZero();

        JsonNode r = new ObjectMapper().readTree(report.toFile());
        assertThat(r.get("setup").get("serving_bots").asText()).startsWith("child JVM");
        // Formed at all (the 10 s target is the in-process test's: here a second JVM starts on the same cores).
        assertThat(r.get("overlay_formed_ms").asLong()).as("every bot registered").isPositive();
        assertThat(r.get("promotions").asInt()).as("the child's roles are promoted").isGreaterThanOrEqualTo(3);
        assertThat(r.get("super_nodes_killed").asInt()).as("serving bots killed in the child").isGreaterThanOrEqualTo(2);
        JsonNode rejoin = r.get("rejoin_ms");
        assertThat(rejoin.get("count").asLong()).as("their clients here lost them and rejoined").isPositive();
        assertThat(rejoin.get("failed").asLong()).isZero();
        assertThat(r.get("searches_during_churn").asLong()).isPositive();
        assertThat(r.get("found_ratio_during_churn").asDouble()).as("searches keep finding bots").isGreaterThan(0.5);
        assertThat(r.get("found_again_ms").get("count").asLong()).as("rejoined clients found again").isPositive();
    }

    @Test
    void aReachableShareOfZeroIsRefused() {
        var cl = Main.commandLine();
        cl.setErr(new PrintWriter(new StringWriter()));
        assertThat(cl.execute("bots", "--self-organizing", "--reachable-share", "0")).isEqualTo(2);
    }
}
