package dev.parley.login;

import dev.parley.protocol.HostPort;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The login server's directory of live super nodes, fed by heartbeats (sent back as the wire
 * {@code SuperNodeDirectory}).
 *
 * <p>A super node is live while its last heartbeat is younger than the TTL. Entries are kept in
 * heartbeat order, so expiry removes from the oldest end and listings are most recently heard
 * first; since super nodes heartbeat at independent times, that order rotates and spreads newly
 * logged-in clients over the super nodes. The directory holds at most {@code maxEntries}; a
 * heartbeat from a new address when full evicts the least recently heard one.
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
    /** Address -> time of last heartbeat, oldest first (re-inserted on every heartbeat). */
    private final LinkedHashMap<HostPort, Instant> lastHeard = new LinkedHashMap<>();

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

    /** Records a heartbeat from {@code address} now; the address must already be validated. */
    public synchronized void heartbeat(HostPort address) {
        Instant now = clock.instant();
        expire(now);
        if (lastHeard.remove(address) == null && lastHeard.size() >= maxEntries) {
            Iterator<HostPort> oldest = lastHeard.keySet().iterator();
            oldest.next();
            oldest.remove();
        }
        lastHeard.put(address, now);
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

    /** @return the number of live super nodes */
    public synchronized int size() {
        expire(clock.instant());
        return lastHeard.size();
    }

    private void expire(Instant now) {
        Instant cutoff = now.minus(ttl);
        Iterator<Map.Entry<HostPort, Instant>> it = lastHeard.entrySet().iterator();
        while (it.hasNext()) {
            // "younger than the TTL": a heartbeat exactly ttl old is no longer live
            if (it.next().getValue().isAfter(cutoff)) {
                break;
            }
            it.remove();
        }
    }
}
