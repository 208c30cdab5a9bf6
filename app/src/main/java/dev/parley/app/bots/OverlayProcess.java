package dev.parley.app.bots;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.parley.protocol.HostPort;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The overlay in a child JVM ({@code parley bots-overlay}), used when one process cannot hold the
 * file descriptors of both ends of every bot connection. Line protocol on the child's
 * stdin/stdout ({@link ChildJvm}): the child prints {@code READY LOGIN SN1,SN2,...}; then {@code ROUND} →
 * {@code OK}, {@code STATS} → {@code STATS {json}}. Its stderr goes to {@code overlay.log}; its heap is 4 GiB at most.
 */
final class OverlayProcess implements Overlay {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final ChildJvm child;
    private final HostPort login;
    private final List<HostPort> superNodes;

    OverlayProcess(Path dir, int count, boolean digests, long seed, int scrapeMs) throws IOException {
        List<String> args = new ArrayList<>(List.of("bots-overlay", "--supernodes", Integer.toString(count),
                "--seed", Long.toString(seed), "--data", dir.toString(), "--metrics-scrape-ms", Integer.toString(scrapeMs)));
        if (!digests) {
            args.add("--no-digests");
        }
        child = new ChildJvm(dir.resolve("overlay.log"), "4g", args);
        String[] parts = child.ready.split(" ");
        login = HostPort.parse(parts[1]);
        superNodes = Arrays.stream(parts[2].split(",")).map(HostPort::parse).toList();
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
        child.request("ROUND", "OK");
    }

    @Override
    public Map<String, Object> stats() throws IOException {
        return JSON.readValue(child.request("STATS", "STATS").substring("STATS ".length()), new TypeReference<>() {});
    }

    @Override
    public long otherProcessCpuNanos() {
        return child.cpuNanos();
    }

    @Override
    public long otherProcessJitNanos() {
        return child.jitNanos();
    }

    @Override
    public String memoryScope() {
        return "heap growth of the overlay JVM (super nodes only, bots in another JVM) after the bots registered, divided by N";
    }

    @Override
    public void close() {
        child.close();
    }
}
