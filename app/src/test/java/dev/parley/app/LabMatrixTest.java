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
 * Runs {@code lab/matrix.sh} — a real call between every pair of NAT kinds across real NATs — with
 * this build's launcher when running as root with {@code ip netns} and python3 available (CI);
 * skips otherwise.
 */
class LabMatrixTest {
    @Test
    void everyPairOfNatKindsConnectsOnTheMostDirectPath(@TempDir Path out) throws Exception {
        assumeTrue(isRoot(), "lab matrix skipped: needs root (network namespaces, iptables)");
        assumeTrue(succeeds("ip", "netns", "list"), "lab matrix skipped: 'ip netns' unavailable");
        assumeTrue(succeeds("python3", "--version"), "lab matrix skipped: python3 unavailable (cuts the clip, reads reports)");
        Path matrix = Path.of("..", "lab", "matrix.sh").toAbsolutePath().normalize();
        assertThat(matrix).isExecutable();

        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String parley = String.join(" ", java, "--enable-native-access=ALL-UNNAMED",
                Runtime.version().feature() >= 23 ? "--sun-misc-unsafe-memory-access=allow" : "",
                "-cp", System.getProperty("java.class.path"), Main.class.getName());
        ProcessBuilder pb = new ProcessBuilder(matrix.toString()).redirectErrorStream(true)
                .redirectOutput(out.resolve("matrix.log").toFile());
        pb.environment().put("PARLEY", parley);
        pb.environment().put("LAB_OUT", out.toString());
        Process p = pb.start();
        boolean done = p.waitFor(8, TimeUnit.MINUTES);
        if (!done) {
            p.destroy();
        }
        String log = Files.readString(out.resolve("matrix.log"), StandardCharsets.UTF_8);
        assertThat(done).as("matrix finished; log:\n%s", log).isTrue();
        assertThat(p.exitValue()).as("matrix exit; log:\n%s", log).isZero();

        @SuppressWarnings("unchecked")
        List<Map<String, Object>> rows = Reports.JSON.readValue(out.resolve("matrix.json").toFile(), List.class);
        assertThat(rows).hasSize(10).allSatisfy(r -> assertThat(r.get("ok")).as(r.toString()).isEqualTo(true));
        assertThat(rows).filteredOn(r -> r.get("caller").equals("eim") && r.get("callee").equals("eim"))
                .extracting(r -> r.get("path")).containsExactly("hole-punched");
        assertThat(rows).filteredOn(r -> r.get("caller").equals("sym") && r.get("callee").equals("sym"))
                .extracting(r -> r.get("path")).containsExactly("relay-udp");
        assertThat(rows).filteredOn(r -> r.get("callee").equals("fw"))
                .extracting(r -> r.get("path")).containsOnly("relay-tcp");
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
