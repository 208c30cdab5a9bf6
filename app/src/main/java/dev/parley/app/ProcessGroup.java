package dev.parley.app;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Child {@code parley} processes started by the demo: each is this same launcher (same java, same
 * jar) with its output in its own log file. Closing stops them all (SIGTERM, then SIGKILL).
 */
final class ProcessGroup implements AutoCloseable {
    private final Path logDir;
    private final List<Process> processes = new ArrayList<>();

    ProcessGroup(Path logDir) throws IOException {
        this.logDir = Files.createDirectories(logDir);
    }

    /** Starts {@code parley ARGS...}; output goes to LOGDIR/NAME.log. */
    Process start(String name, List<String> args) throws IOException {
        return start(name, args, ProcessBuilder.Redirect.from(nullFile()));
    }

    /** As {@link #start(String, List)}, with its standard input a pipe ({@link Process#getOutputStream()}): an interactive shell. */
    Process startInteractive(String name, List<String> args) throws IOException {
        return start(name, args, ProcessBuilder.Redirect.PIPE);
    }

    private Process start(String name, List<String> args, ProcessBuilder.Redirect input) throws IOException {
        List<String> cmd = command(args);
        Path log = logDir.resolve(name + ".log");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile())
                .redirectInput(input).start();
        processes.add(p);
        return p;
    }

    /** @return the command line that runs {@code parley ARGS...} with this JVM and class path */
    static List<String> command(List<String> args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        cmd.add("--enable-native-access=ALL-UNNAMED");
        if (Runtime.version().feature() >= 23) {
            cmd.add("--sun-misc-unsafe-memory-access=allow");
        }
        cmd.addAll(List.of("-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
                Main.class.getName()));
        cmd.addAll(args);
        return cmd;
    }

    /** Polls for {@code file} (a server's address file) until it exists or the deadline passes. */
    static String awaitFile(Path file, Process owner, Duration timeout, String what) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (Files.exists(file)) {
                return Files.readString(file, StandardCharsets.UTF_8).strip();
            }
            if (!owner.isAlive()) {
                throw new IOException(what + " exited with status " + owner.exitValue() + " before it was ready");
            }
            TimeUnit.MILLISECONDS.sleep(50); // polling a file another process writes
        }
        throw new IOException(what + " was not ready within " + timeout.toSeconds() + " s");
    }

    /** @return the log of process {@code name} */
    Path log(String name) {
        return logDir.resolve(name + ".log");
    }

    @Override
    public void close() {
        for (Process p : processes) {
            p.destroy();
        }
        for (Process p : processes) {
            try {
                if (!p.waitFor(10, TimeUnit.SECONDS)) {
                    p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                p.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }

    private static File nullFile() {
        return new File(System.getProperty("os.name").startsWith("Windows") ? "NUL" : "/dev/null");
    }
}
