package dev.parley.app.bots;

import dev.parley.app.Main;
import dev.parley.app.ProcCpu;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A hidden {@code parley} subcommand in a child JVM, for the parts of {@code parley bots} that one
 * process cannot hold beside the bots (both ends of every bot connection need more file
 * descriptors than a process may have). Line protocol on the child's stdin/stdout: the child prints
 * one {@code READY ...} line, then answers every request line with one reply line; {@code QUIT} (or
 * the end of its input) ends it. The child's stderr goes to a log file. The parent side is this
 * class; the child side is {@link #answer}.
 */
final class ChildJvm implements AutoCloseable {
    private final Process process;
    private final BufferedReader out;
    private final PrintWriter in;
    private final String logName;
    private final ReentrantLock lock = new ReentrantLock(true);
    /** The child's {@code READY} line. */
    final String ready;

    /**
     * Starts {@code parley ARGS...} in a child JVM (same java, class path and native-access flags as
     * this one) and waits for its {@code READY} line.
     *
     * @param log the child's stderr
     * @param maxHeap the child's {@code -Xmx} value, e.g. {@code 4g}
     * @param args the subcommand and its options
     * @throws IOException if the child cannot start or prints something other than {@code READY ...}
     */
    ChildJvm(Path log, String maxHeap, List<String> args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(
                ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString()),
                "--enable-native-access=ALL-UNNAMED"));
        if (Runtime.version().feature() >= 23) {
            cmd.add("--sun-misc-unsafe-memory-access=allow");
        }
        cmd.addAll(List.of("-Xmx" + maxHeap, "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        cmd.addAll(args);
        logName = log.toString();
        process = new ProcessBuilder(cmd).redirectError(log.toFile()).start();
        out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        in = new PrintWriter(process.getOutputStream(), true, StandardCharsets.UTF_8);
        ready = readLine("READY");
    }

    private String readLine(String prefix) throws IOException {
        String line = out.readLine();
        if (line == null || !line.startsWith(prefix)) {
            throw new IOException("child JVM: expected " + prefix + ", got " + line + " (see " + logName + ")");
        }
        return line;
    }

    /**
     * Sends one request line and reads its reply; one request at a time: callers on several
     * threads queue here in arrival order (fair), so a thread sending requests back to back does not
     * starve another's.
     *
     * @return the reply line, starting with {@code replyPrefix}
     * @throws IOException if the child ended or replied something else
     */
    String request(String line, String replyPrefix) throws IOException {
        lock.lock();
        try {
            in.println(line);
            return readLine(replyPrefix);
        } finally {
            lock.unlock();
        }
    }

    /** @return CPU time the child has used so far, in ns (0 if the platform does not say) */
    long cpuNanos() {
        return process.info().totalCpuDuration().map(Duration::toNanos).orElse(0L);
    }

    /** @return CPU time the child's JIT compiler threads have used so far, in ns (0 where procfs is missing) */
    long jitNanos() {
        return ProcCpu.threadsNanos(process.pid(), ProcCpu::isJitCompilerThread);
    }

    /** Asks the child to quit; after 20 s, kills it. */
    @Override
    public void close() {
        in.println("QUIT");
        try {
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    /** The child's answer to one request line. */
    @FunctionalInterface
    interface Handler {
        /** @return the reply line, or {@code ERROR ...} for a request it does not know */
        String reply(String request) throws Exception;
    }

    /**
     * The child side: prints {@code READY readyArgs}, then answers every line of stdin with
     * {@code handler} until {@code QUIT} or the end of input.
     */
    static void answer(String readyArgs, Handler handler) throws Exception {
        System.out.println(readyArgs.isEmpty() ? "READY" : "READY " + readyArgs);
        System.out.flush();
        BufferedReader stdin = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line = stdin.readLine(); line != null && !line.equals("QUIT"); line = stdin.readLine()) {
            System.out.println(handler.reply(line));
            System.out.flush();
        }
    }
}
