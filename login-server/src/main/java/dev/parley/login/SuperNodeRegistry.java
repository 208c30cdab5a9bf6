package dev.parley.login;

import dev.parley.protocol.HostPort;
import dev.parley.protocol.wire.SuperNodeCertificate;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The login server's directory of live super nodes, fed by heartbeats of certified super nodes
 * (sent back as the wire {@code SuperNodeDirectory}, addresses with their certificates).
 *
 * <p>A super node is live while its last heartbeat is younger than the TTL. Entries are kept in
 * heartbeat order, so expiry removes from the oldest end and listings are most recently heard
 * first; since super nodes heartbeat at independent times, that order rotates and spreads newly
 * logged-in clients over the super nodes. The directory holds at most {@code maxEntries}; a
 * heartbeat from a new address when full evicts the least recently heard one.
 *
 * <p>Several login servers on one database share their heartbeats through it ({@link DirectorySync}):
 * each one's registry is then a cache of the shared directory, merged with it every second.
 *
 * <p>Shared by all connections (several event loops): methods are synchronized and O(expired +
 * listed), so they are cheap enough to call on an event loop.
 */
public final class SuperNodeRegistry {
    /** Default bound on the number of super nodes held. */
    public static final int DEFAULT_MAX_ENTRIES = 10_000;

    private final InstantSource clock;
    private final Duration ttl;
    private final int maxEntries;
    /** A live super node: its last heartbeat and the certificate it was accepted with. */
    private record Entry(Instant heardAt, SuperNodeCertificate certificate) {}

    /** Address -> last heartbeat, oldest first (re-inserted on every heartbeat). */
    private final LinkedHashMap<HostPort, Entry> lastHeard = new LinkedHashMap<>();
    /** Told every heartbeat heard here (the shared directory: {@link DirectorySync}). */
    private volatile HeartbeatListener listener = (address, certificate, heardAt) -> { };

    /** Observes the heartbeats this login server hears. */
    @FunctionalInterface
    interface HeartbeatListener {
        /** Called under the registry's lock: must be quick and must not call back. */
        void heard(HostPort address, SuperNodeCertificate certificate, Instant heardAt);
    }

    /**
     * A heartbeat heard by any login server sharing the database.
     *
     * @param address the certified address
     * @param certificate its certificate
     * @param heardAt when it was heard
     */
    record Heard(HostPort address, SuperNodeCertificate certificate, Instant heardAt) {}

    /**
     * @param clock time source for heartbeat ages
     * @param ttl how long a super node stays live after its last heartbeat (positive)
     * @param maxEntries bound on the number of super nodes held (positive)
     */
    public SuperNodeRegistry(InstantSource clock, Duration ttl, int maxEntries) {
        if (ttl.isNegative() || ttl.isZero()) {
            throw new IllegalArgumentException("ttl: " + ttl + " (expected: > 0)");
        }
        if (maxEntries < 1) {
            throw new IllegalArgumentException(String.format("maxEntries: %d (expected: >= 1)", maxEntries));
        }
        this.clock = clock;
        this.ttl = ttl;
        this.maxEntries = maxEntries;
    }

    /**
     * Records a heartbeat from {@code address} now.
     *
     * @param address the validated address, the one {@code certificate} names
     * @param certificate the super node's current certificate (checked by the caller)
     */
    public synchronized void heartbeat(HostPort address, SuperNodeCertificate certificate) {
        Instant now = clock.instant();
        expire(now);
        if (lastHeard.remove(address) == null && lastHeard.size() >= maxEntries) {
            Iterator<HostPort> oldest = lastHeard.keySet().iterator();
            oldest.next();
            oldest.remove();
        }
        lastHeard.put(address, new Entry(now, certificate));
        listener.heard(address, certificate, now);
    }

    /** Sets who is told of every heartbeat (one listener: the last set). */
    void listen(HeartbeatListener l) {
        listener = l;
    }

    /**
     * Merges heartbeats heard by other login servers: for each address the latest heartbeat wins;
     * order, TTL and the bound then apply as for local heartbeats. O(n log n) in the entries held.
     *
     * @param heard heartbeats read from the shared directory (times in the future count as now)
     */
    synchronized void merge(List<Heard> heard) {
        Instant now = clock.instant();
        Map<HostPort, Entry> all = new HashMap<>(lastHeard);
        for (Heard h : heard) {
            Instant at = h.heardAt().isAfter(now) ? now : h.heardAt();
            Entry local = all.get(h.address());
            if (local == null || at.isAfter(local.heardAt())) {
                all.put(h.address(), new Entry(at, h.certificate()));
            }
        }
        List<Map.Entry<HostPort, Entry>> sorted = new ArrayList<>(all.entrySet());
        sorted.sort(Comparator.comparing(e -> e.getValue().heardAt()));
        lastHeard.clear();
        for (Map.Entry<HostPort, Entry> e : sorted.subList(Math.max(0, sorted.size() - maxEntries), sorted.size())) {
            lastHeard.put(e.getKey(), e.getValue());
        }
        expire(now);
    }

    /**
     * @param limit maximum number of addresses returned (non-negative)
     * @return up to {@code limit} live super nodes, most recently heard first
     */
    public synchronized List<HostPort> live(int limit) {
        expire(clock.instant());
        List<HostPort> result = new ArrayList<>(Math.min(limit, lastHeard.size()));
        for (HostPort address : lastHeard.sequencedKeySet().reversed()) {
            if (result.size() >= limit) {
                break;
            }
            result.add(address);
        }
        return result;
    }

    /**
     * @param limit maximum number of certificates returned (non-negative)
     * @return the certificates of up to {@code limit} live super nodes, most recently heard first
     */
    public synchronized List<SuperNodeCertificate> liveCertificates(int limit) {
        expire(clock.instant());
        List<SuperNodeCertificate> result = new ArrayList<>(Math.min(limit, lastHeard.size()));
        for (Entry e : lastHeard.sequencedValues().reversed()) {
            if (result.size() >= limit) {
                break;
            }
            result.add(e.certificate());
        }
        return result;
    }

    /** @return the certificate of the live super node at {@code address}, if any */
    public synchronized Optional<SuperNodeCertificate> holder(HostPort address) {
        expire(clock.instant());
        Entry e = lastHeard.get(address);
        return e == null ? Optional.empty() : Optional.of(e.certificate());
    }

    /** @return the number of live super nodes */
    public synchronized int size() {
        expire(clock.instant());
        return lastHeard.size();
    }

    private void expire(Instant now) {
        Instant cutoff = now.minus(ttl);
        Iterator<Map.Entry<HostPort, Entry>> it = lastHeard.entrySet().iterator();
        while (it.hasNext()) {
            // "younger than the TTL": a heartbeat exactly ttl old is no longer live
            if (it.next().getValue().heardAt().isAfter(cutoff)) {
                break;
            }
            it.remove();
        }
    }
}
