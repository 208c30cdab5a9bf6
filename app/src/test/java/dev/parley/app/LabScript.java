package dev.parley.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs a {@code lab/} script with this build's launcher (real NATs from network namespaces and
 * iptables). Skips the calling test, with a message saying why, unless running as root with
 * {@code ip netns} available (CI is root). Each test class builds its own lab (its own
 * {@code LAB_PREFIX}), so the lab tests run side by side: the suite runs the classes tagged
 * {@value #TAG} concurrently in a separate surefire execution (app/pom.xml), after the others.
 */
final class LabScript {
    /** The JUnit tag of the lab test classes. */
    static final String TAG = "lab";

    private LabScript() {}

    /** Skips unless root and {@code ip netns} work, and every extra command in {@code needs} runs. */
    static void assumeLab(String what, String... needs) throws Exception {
        assumeTrue("0".equals(output("id", "-u").strip()), what + " skipped: needs root (network namespaces, iptables)");
        assumeTrue(succeeds("ip", "netns", "list"), what + " skipped: 'ip netns' unavailable");
        for (String tool : needs) {
            assumeTrue(succeeds(tool, "--version"), what + " skipped: " + tool + " unavailable");
        }
    }

    /**
     * Runs {@code lab/NAME} with {@code PARLEY} set to this JVM's class path, {@code LAB_OUT} to
     * {@code out} and {@code LAB_PREFIX} to {@code prefix} (the lab's namespaces are {@code prefix-*});
     * asserts it finished in time with status 0 (the log is in the failure message).
     */
    static void runAndExpectSuccess(String name, String prefix, Path out, Duration timeout) throws Exception {
        runAndExpectSuccess(name, prefix, Map.of(), out, timeout);
    }

    /** As {@link #runAndExpectSuccess(String, String, Path, Duration)}, with more environment variables for the script. */
    static void runAndExpectSuccess(String name, String prefix, Map<String, String> env, Path out, Duration timeout)
            throws Exception {
        Path script = Path.of("..", "lab", name).toAbsolutePath().normalize();
        assertThat(script).isExecutable();
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        // The lab's processes live for seconds: C1 alone compiles what they run (C2 spent most of a
        // short client's CPU), and the serial collector has no threads of its own to run beside them.
        String parley = String.join(" ", java, "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "--enable-native-access=ALL-UNNAMED",
                Runtime.version().feature() >= 23 ? "--sun-misc-unsafe-memory-access=allow" : "",
                "-cp", System.getProperty("java.class.path"), Main.class.getName());
        Path logFile = out.resolve(name + ".log");
        ProcessBuilder pb = new ProcessBuilder(script.toString()).redirectErrorStream(true).redirectOutput(logFile.toFile());
        pb.environment().put("PARLEY", parley);
        pb.environment().put("LAB_OUT", out.toString());
        pb.environment().put("LAB_PREFIX", prefix);
        pb.environment().putAll(env);
        Process p = pb.start();
        boolean done = p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (!done) {
            p.destroy();
        }
        String log = Files.readString(logFile, StandardCharsets.UTF_8);
        assertThat(done).as("%s finished; log:\n%s", name, log).isTrue();
        assertThat(p.exitValue()).as("%s exit; log:\n%s", name, log).isZero();
    }

    /** Asserts no namespace of the lab with this {@code LAB_PREFIX} is left behind. */
    static void assertTornDown(String prefix) throws Exception {
        assertThat(output("ip", "netns", "list")).as("lab %s torn down", prefix).doesNotContain(prefix + "-");
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

    private static String output(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String s = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(10, TimeUnit.SECONDS);
        return s;
    }
}
