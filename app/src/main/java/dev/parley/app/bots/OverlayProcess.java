package dev.parley.app.bots;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.parley.app.Main;
import dev.parley.protocol.HostPort;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The overlay in a child JVM ({@code parley bots-overlay}), used when one process cannot hold the
 * file descriptors of both ends of every bot connection. Line protocol on the child's
 * stdin/stdout: the child prints {@code READY LOGIN SN1,SN2,...}; then {@code ROUND} → {@code OK},
 * {@code STATS} → {@code STATS {json}}, {@code QUIT} (or end of input) → exit. Its stderr goes to a log file.
 */
final class OverlayProcess implements Overlay {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Process process;
    private final BufferedReader out;
    private final PrintWriter in;
    private final HostPort login;
    private final List<HostPort> superNodes;

    OverlayProcess(Path dir, int count, boolean digests, long seed, int scrapeMs) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(
                ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString()),
                "--enable-native-access=ALL-UNNAMED"));
        if (Runtime.version().feature() >= 23) {
            cmd.add("--sun-misc-unsafe-memory-access=allow");
        }
        cmd.addAll(List.of("-Xmx4g", "-cp", System.getProperty("java.class.path"), Main.class.getName(),
                "bots-overlay", "--supernodes", Integer.toString(count), "--seed", Long.toString(seed),
                "--data", dir.toString(), "--metrics-scrape-ms", Integer.toString(scrapeMs)));
        if (!digests) {
            cmd.add("--no-digests");
        }
        process = new ProcessBuilder(cmd).redirectError(dir.resolve("overlay.log").toFile()).start();
        out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        in = new PrintWriter(process.getOutputStream(), true, StandardCharsets.UTF_8);
        String ready = readLine("READY");
        String[] parts = ready.split(" ");
        login = HostPort.parse(parts[1]);
        superNodes = Arrays.stream(parts[2].split(",")).map(HostPort::parse).toList();
    }

    private String readLine(String prefix) throws IOException {
        String line = out.readLine();
        if (line == null || !line.startsWith(prefix)) {
            throw new IOException("overlay process: expected " + prefix + ", got " + line + " (see overlay.log)");
        }
        return line;
    }

    @Override
    public HostPort login() {
        return login;
    }

    @Override
    public List<HostPort> superNodes() {
        return superNodes;
    }

    @Override
    public void meshRound() throws IOException {
        in.println("ROUND");
        readLine("OK");
    }

    @Override
    public Map<String, Object> stats() throws IOException {
        in.println("STATS");
        return JSON.readValue(readLine("STATS").substring("STATS ".length()), new TypeReference<>() {});
    }

    @Override
    public long otherProcessCpuNanos() {
        return process.info().totalCpuDuration().map(Duration::toNanos).orElse(0L);
    }

    @Override
    public String memoryScope() {
        return "heap growth of the overlay JVM (super nodes only, bots in another JVM) after the bots registered, divided by N";
    }

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
}
