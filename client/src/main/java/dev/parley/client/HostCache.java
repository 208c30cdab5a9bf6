package dev.parley.client;

import dev.parley.protocol.HostPort;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client's bounded, persisted list of super-node addresses, most recently confirmed first.
 *
 * <p>Seeded with the login server's (up to 7) addresses and grown from the addresses super nodes
 * share on registration. Stored one {@code HOST:PORT} per line; unparseable lines are skipped.
 * Not thread-safe: owned by the client's control thread.
 */
public final class HostCache {
    private static final Logger log = LoggerFactory.getLogger(HostCache.class);
    /** Default maximum number of entries. */
    public static final int DEFAULT_CAPACITY = 500;

    private final Path file;
    private final int capacity;
    private final LinkedHashSet<HostPort> entries = new LinkedHashSet<>();

    private HostCache(Path file, int capacity) {
        this.file = file;
        this.capacity = capacity;
    }

    /**
     * Loads the cache from {@code file} (absent file = empty cache).
     *
     * @throws IOException if the file exists but cannot be read
     */
    public static HostCache load(Path file, int capacity) throws IOException {
        HostCache cache = new HostCache(file, capacity);
        if (Files.exists(file)) {
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                try {
                    if (!line.isBlank()) {
                        cache.add(HostPort.parse(line.strip()));
                    }
                } catch (IllegalArgumentException e) {
                    log.warn("{}: skipping bad host cache entry '{}'", file, line);
                }
            }
        }
        return cache;
    }

    /** Adds an address at the end unless present or full; returns true if added. */
    public boolean add(HostPort address) {
        if (entries.size() >= capacity || entries.contains(address) || address.port() == 0) {
            return false;
        }
        return entries.add(address);
    }

    /** Moves {@code address} to the front: it just worked. */
    public void promote(HostPort address) {
        List<HostPort> rest = new ArrayList<>(entries);
        rest.remove(address);
        entries.clear();
        entries.add(address);
        for (HostPort hp : rest) {
            if (entries.size() < capacity) {
                entries.add(hp);
            }
        }
    }

    /** @return the entries, best first */
    public List<HostPort> entries() {
        return List.copyOf(entries);
    }

    /** @return the number of entries */
    public int size() {
        return entries.size();
    }

    /**
     * Writes the cache atomically.
     *
     * @throws IOException if the file cannot be written
     */
    public void save() throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        List<String> lines = entries.stream().map(HostPort::toString).toList();
        Files.write(tmp, lines, StandardCharsets.UTF_8);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
