package dev.parley.app.bots;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.parley.app.Main;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code parley bots --login}: the bots join an overlay that is already running instead of starting one. */
class BotsJoinTest {
    @TempDir
    Path dir;

    @Test
    void botsJoinARunningOverlayThroughItsLoginServer() throws Exception {
        try (BotsOverlay running = new BotsOverlay(dir.resolve("overlay"), 3, true, 5, 0)) {
            Path report = dir.resolve("join.json");
            StringWriter err = new StringWriter();
            var cl = Main.commandLine();
            cl.setErr(new PrintWriter(err));
            int status = cl.execute("bots", "--login", running.loginAddress().toString(), "--bots", "20",
                    "--duration", "2", "--rate", "20", "--warmup", "0", "--seed", "3", "--report", report.toString());
            assertThat(status).as("exit status; stderr: %s", err).isZero();

            JsonNode r = new ObjectMapper().readTree(report.toFile());
            assertThat(r.get("config").get("supernodes").asInt()).as("the super nodes its login server named").isEqualTo(3);
            assertThat(r.get("searches").asLong()).isEqualTo(40);
            assertThat(r.get("found_ratio").asDouble()).isEqualTo(1.0);
            assertThat(r.get("not_found_correct_ratio").asDouble()).isEqualTo(1.0);
            assertThat(r.get("setup").get("overlay").asText()).startsWith("external");
            assertThat(((Number) running.stats().get("locator_searches")).longValue())
                    .as("the running super nodes served the bots' searches").isPositive();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (online(running) > 0 && System.nanoTime() < deadline) {
                TimeUnit.MILLISECONDS.sleep(10); // polling presence, bounded by the deadline
            }
            assertThat(online(running)).as("the bots logged out when done").isZero();
        }
    }

    private static long online(BotsOverlay overlay) {
        return overlay.superNodes.stream().mapToLong(sn -> sn.stats().onlineUsers()).sum();
    }

    @Test
    void noDigestsCannotBeAskedOfAnOverlayThatIsNotOurs() {
        StringWriter err = new StringWriter();
        var cl = Main.commandLine();
        cl.setErr(new PrintWriter(err));
        assertThat(cl.execute("bots", "--login", "127.0.0.1:1", "--no-digests")).isEqualTo(2);
    }
}
