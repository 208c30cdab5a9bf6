package dev.parley.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs {@code lab/smoke.sh} (real NATs from network namespaces and iptables) with this build's
 * launcher when running as root with {@code ip netns} available (CI is root); skips otherwise.
 */
class LabSmokeTest {
    @Test
    void everyNatKindIsClassifiedAcrossRealNats(@TempDir Path out) throws Exception {
        assumeTrue(isRoot(), "lab smoke skipped: needs root (network namespaces, iptables)");
        assumeTrue(succeeds("ip", "netns", "list"), "lab smoke skipped: 'ip netns' unavailable");
        Path smoke = Path.of("..", "lab", "smoke.sh").toAbsolutePath().normalize();
        assertThat(smoke).isExecutable();

        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String parley = String.join(" ", java, "--enable-native-access=ALL-UNNAMED",
                Runtime.version().feature() >= 23 ? "--sun-misc-unsafe-memory-access=allow" : "",
                "-cp", System.getProperty("java.class.path"), Main.class.getName());
        ProcessBuilder pb = new ProcessBuilder(smoke.toString()).redirectErrorStream(true)
                .redirectOutput(out.resolve("smoke.log").toFile());
        pb.environment().put("PARLEY", parley);
        pb.environment().put("LAB_OUT", out.toString());
        Process p = pb.start();
        boolean done = p.waitFor(5, TimeUnit.MINUTES);
        if (!done) {
            p.destroy();
        }
        String log = Files.readString(out.resolve("smoke.log"), StandardCharsets.UTF_8);
        assertThat(done).as("smoke finished; log:\n%s", log).isTrue();
        assertThat(p.exitValue()).as("smoke exit; log:\n%s", log).isZero();

        @SuppressWarnings("unchecked")
        List<Map<String, Object>> rows = Reports.JSON.readValue(out.resolve("smoke.json").toFile(), List.class);
        assertThat(rows).extracting(r -> r.get("host") + "=" + ((Map<?, ?>) r.get("stun")).get("mapping"))
                .containsExactly("pub1=no NAT", "eim1=endpoint-independent", "sym1=endpoint-dependent", "fw1=blocked");
        assertThat(succeedsWithOutput("ip", "netns", "list")).as("lab torn down").doesNotContain("plab-");
    }

    private static boolean isRoot() throws Exception {
        return "0".equals(succeedsWithOutput("id", "-u").strip());
    }

    private static boolean succeeds(String... cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (Exception e) {
            return false;
        }
    }

    private static String succeedsWithOutput(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String s = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(10, TimeUnit.SECONDS);
        return s;
    }
}
