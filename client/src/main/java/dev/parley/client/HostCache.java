package dev.parley.client;

import dev.parley.protocol.AtomicFiles;
import dev.parley.protocol.HostPort;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client's bounded, scored, persisted cache of super-node addresses (design flow 2).
 *
 * <p>Seeded with the login server's (up to 7) addresses and grown from the addresses super nodes
 * share on registration, up to {@code capacity} entries (default {@value #DEFAULT_CAPACITY}). Each
 * entry keeps successes, failures, a smoothed join RTT and when it was last seen (gossiped or
 * joined). {@link #score} ranks them:
 * <pre>
 * score = (successes + 1) / (successes + failures + 2)        Laplace-smoothed success ratio
 *       × 1 / (1 + rttMs / 100)                                 (never joined: counts as 1,000 ms)
 *       × 1 / (1 + age / 7 days)                                age since last seen
 * </pre>
 * When full, a new address replaces the lowest-scored entry only if it scores higher, so a flood
 * of gossip cannot push out super nodes that worked.
 *
 * <p>File: one entry per line, {@code HOST:PORT successes failures rttMs lastSeenMs} (rttMs -1 =
 * unknown); a bare {@code HOST:PORT} (older files) is a fresh entry; unparseable lines are skipped.
 * Thread-safe (join attempts report from network threads).
 */
public final class HostCache {
    private static final Logger log = LoggerFactory.getLogger(HostCache.class);
    /** Default maximum number of entries. */
    public static final int DEFAULT_CAPACITY = 500;
    private static final double RTT_SCALE_MS = 100;
    /**
     * What an address never joined counts as, ms: a join's time includes TLS and the credential check
     * (250 ms and more across the Internet), and a super node that worked must outrank one never
     * tried unless it took longer than about 1.4 s.
     */
    private static final double UNKNOWN_RTT_MS = 1_000;
    private static final double AGE_SCALE_MS = 7 * 86_400_000.0;
    /** Weight of a new RTT sample in the smoothed RTT (as TCP's SRTT, RFC 6298 §2). */
    private static final double RTT_ALPHA = 0.125;

    /**
     * One cached super node.
     *
     * @param address the super node
     * @param successes joins that worked
     * @param failures joins that failed
     * @param rttMs smoothed time to join in ms, or -1 if unknown
     * @param lastSeenMs when it last worked or was gossiped, ms since the epoch
     */
    public record Entry(HostPort address, int successes, int failures, long rttMs, long lastSeenMs) {}

    private final Path file;
    private final int capacity;
    private final InstantSource clock;
    private final Map<HostPort, Entry> entries = new LinkedHashMap<>();
    private volatile Runnable changed = () -> {};

    private HostCache(Path file, int capacity, InstantSource clock) {
        if (capacity < 1) {
            throw new IllegalArgumentException(String.format("capacity: %d (expected: >= 1)", capacity));
        }
        this.file = file;
        this.capacity = capacity;
        this.clock = clock;
    }

    /**
     * @param listener runs (under the cache's lock: keep it short, e.g. schedule a save) after every
     *     change; replaces the previous listener
     */
    public void onChange(Runnable listener) {
        this.changed = listener;
    }

    /** Loads with the system clock; see {@link #load(Path, int, InstantSource)}. */
    public static HostCache load(Path file, int capacity) throws IOException {
        return load(file, capacity, InstantSource.system());
    }

    /**
     * Loads the cache from {@code file} (absent file = empty cache).
     *
     * @param capacity most entries kept (≥ 1)
     * @param clock time for last-seen stamps and ages
     * @throws IOException if the file exists but cannot be read
     */
    public static HostCache load(Path file, int capacity, InstantSource clock) throws IOException {
        HostCache cache = new HostCache(file, capacity, clock);
        if (Files.exists(file)) {
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                if (!line.isBlank()) {
                    try {
                        cache.insert(parse(line.strip(), clock.millis()));
                    } catch (IllegalArgumentException e) {
                        log.warn("{}: skipping bad host cache entry '{}'", file, line);
                    }
                }
            }
        }
        return cache;
    }

    private static Entry parse(String line, long nowMs) {
        String[] f = line.split("\\s+");
        HostPort address = HostPort.parse(f[0]);
        if (address.port() == 0) {
            throw new IllegalArgumentException("port 0");
        }
        if (f.length == 1) {
            return new Entry(address, 0, 0, -1, nowMs);
        }
        if (f.length != 5) {
            throw new IllegalArgumentException("fields: " + f.length + " (expected: 1 or 5)");
        }
        try {
            return new Entry(address, Math.max(0, Integer.parseInt(f[1])), Math.max(0, Integer.parseInt(f[2])),
                    Long.parseLong(f[3]), Long.parseLong(f[4]));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    /**
     * Adds a gossiped or login-server address, or refreshes its last-seen time if present.
     *
     * @return true if it is in the cache afterwards as a new entry
     */
    public synchronized boolean add(HostPort address) {
        if (address.port() == 0) {
            return false;
        }
        Entry e = entries.get(address);
        if (e != null) {
            entries.put(address, new Entry(address, e.successes(), e.failures(), e.rttMs(), clock.millis()));
            changed.run();
            return false;
        }
        boolean added = insert(new Entry(address, 0, 0, -1, clock.millis()));
        if (added) {
            changed.run();
        }
        return added;
    }

    private boolean insert(Entry entry) {
        if (entries.containsKey(entry.address())) {
            entries.put(entry.address(), entry);
            return true;
        }
        if (entries.size() >= capacity) {
            long now = clock.millis();
            Entry worst = entries.values().stream().min(Comparator.comparingDouble(x -> score(x, now))).orElseThrow();
            if (score(worst, now) >= score(entry, now)) {
                return false;
            }
            entries.remove(worst.address());
        }
        entries.put(entry.address(), entry);
        return true;
    }

    /** Records a join that worked after {@code rttMs} (adds the address if absent). */
    public synchronized void recordSuccess(HostPort address, long rttMs) {
        Entry e = entries.get(address);
        long now = clock.millis();
        long rtt = e == null || e.rttMs() < 0 ? rttMs : Math.round((1 - RTT_ALPHA) * e.rttMs() + RTT_ALPHA * rttMs);
        Entry updated = e == null ? new Entry(address, 1, 0, rttMs, now)
                : new Entry(address, e.successes() + 1, e.failures(), rtt, now);
        if (e == null) {
            insert(updated);
        } else {
            entries.put(address, updated);
        }
        changed.run();
    }

    /** Records a join that failed (ignored for unknown addresses). */
    public synchronized void recordFailure(HostPort address) {
        Entry e = entries.get(address);
        if (e != null) {
            entries.put(address, new Entry(address, e.successes(), e.failures() + 1, e.rttMs(), e.lastSeenMs()));
            changed.run();
        }
    }

    /** Equivalent to a success with an unknown RTT: kept for callers that only know "it worked". */
    public void promote(HostPort address) {
        recordSuccess(address, (long) RTT_SCALE_MS);
    }

    /** @return the score of {@code e} at {@code nowMs} (higher is better), see the class comment */
    public static double score(Entry e, long nowMs) {
        double success = (e.successes() + 1.0) / (e.successes() + e.failures() + 2.0);
        double rtt = 1.0 / (1.0 + (e.rttMs() < 0 ? UNKNOWN_RTT_MS : e.rttMs()) / RTT_SCALE_MS);
        double age = 1.0 / (1.0 + Math.max(0, nowMs - e.lastSeenMs()) / AGE_SCALE_MS);
        return success * rtt * age;
    }

    /** @return the addresses, best score first */
    public synchronized List<HostPort> entries() {
        return best(entries.size());
    }

    /** @return up to {@code n} addresses, best score first */
    public synchronized List<HostPort> best(int n) {
        long now = clock.millis();
        return entries.values().stream()
                .sorted(Comparator.comparingDouble((Entry x) -> score(x, now)).reversed())
                .limit(n).map(Entry::address).toList();
    }

    /** @return the entry for {@code address}, if any */
    public synchronized @Nullable Entry entry(HostPort address) {
        return entries.get(address);
    }

    /** @return the number of entries */
    public synchronized int size() {
        return entries.size();
    }

    /**
     * Writes the cache atomically and durably ({@link AtomicFiles}), best first. The entries are
     * copied under the lock and written outside it, so the disk never blocks the threads that update
     * the cache; call from one thread at a time (see {@link HostCacheSaver}).
     *
     * @throws IOException if the file cannot be written
     */
    public void save() throws IOException {
        StringBuilder text = new StringBuilder();
        synchronized (this) {
            for (HostPort hp : entries()) {
                Entry e = entries.get(hp);
                text.append(hp).append(' ').append(e.successes()).append(' ').append(e.failures()).append(' ')
                        .append(e.rttMs()).append(' ').append(e.lastSeenMs()).append('\n');
            }
        }
        AtomicFiles.write(file, text.toString().getBytes(StandardCharsets.UTF_8));
    }
}
