package dev.parley.nat.relay;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.InstantSource;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.OptionalLong;
import java.util.random.RandomGenerator;
import org.jspecify.annotations.Nullable;

/**
 * The super node's UDP relay allocations: quotas per client and in total, latching of each
 * party's source address with its token, routing (a latched source may only reach the other
 * party of its allocation), idle expiry and explicit release. Loop-confined: the relay socket's
 * event loop owns it (control-plane requests submit tasks to that loop).
 */
public final class RelayAllocationTable {
    /**
     * @param maxPerClient allocations one username may hold at once
     * @param maxTotal allocations in the whole table
     * @param idleTimeoutMs an allocation with no traffic and no bind for this long is removed
     */
    public record Limits(int maxPerClient, int maxTotal, long idleTimeoutMs) {
        /** Defaults: 4 per client, 2,000 in total, 60 s idle. */
        public static final Limits DEFAULTS = new Limits(4, 2_000, 60_000);
    }

    private static final int TOKEN_BYTES = 16;

    private static final class Entry {
        final RelayAllocation allocation;
        final InetSocketAddress[] parties = new InetSocketAddress[2];
        long lastActivityMs;
        long forwarded;

        Entry(RelayAllocation allocation) {
            this.allocation = allocation;
            this.lastActivityMs = allocation.createdMs();
        }
    }

    private record Side(Entry entry, int index) {}

    private final InstantSource clock;
    private final RandomGenerator random;
    private final Limits limits;
    private final Map<Long, Entry> byId = new HashMap<>();
    private final Map<ByteBuffer, Side> byToken = new HashMap<>();
    private final Map<InetSocketAddress, Side> bySource = new HashMap<>();
    private final Map<String, Integer> perOwner = new HashMap<>();
    private long nextId = 1;

    /**
     * @param clock time source for idle expiry
     * @param random token source (a SecureRandom in production: tokens are the only permission)
     * @param limits quotas and idle timeout
     */
    public RelayAllocationTable(InstantSource clock, RandomGenerator random, Limits limits) {
        this.clock = clock;
        this.random = random;
        this.limits = limits;
    }

    /**
     * @param owner canonical username of the requesting client
     * @return a new allocation
     * @throws RelayQuotaException if the client or the table is at its quota
     */
    public RelayAllocation allocate(String owner) throws RelayQuotaException {
        int mine = perOwner.getOrDefault(owner, 0);
        if (mine >= limits.maxPerClient()) {
            throw new RelayQuotaException(String.format("relayAllocations for %s: %d (expected: < %d)", owner, mine, limits.maxPerClient()));
        }
        if (byId.size() >= limits.maxTotal()) {
            throw new RelayQuotaException(String.format("relayAllocations: %d (expected: < %d)", byId.size(), limits.maxTotal()));
        }
        RelayAllocation a = new RelayAllocation(nextId++, owner, token(), token(), clock.millis());
        Entry e = new Entry(a);
        byId.put(a.id(), e);
        byToken.put(ByteBuffer.wrap(a.callerToken()), new Side(e, 0));
        byToken.put(ByteBuffer.wrap(a.calleeToken()), new Side(e, 1));
        perOwner.merge(owner, 1, Integer::sum);
        return a;
    }

    /**
     * Latches the source address of a party (its relay bind request). A second bind with the same
     * token from another address moves the party there (NAT rebinding).
     *
     * @param token the party's token
     * @param from source transport address of the bind request
     * @return the allocation id, or empty if the token is unknown (refused)
     */
    public OptionalLong bind(byte[] token, InetSocketAddress from) {
        Side side = byToken.get(ByteBuffer.wrap(token));
        if (side == null) {
            return OptionalLong.empty();
        }
        InetSocketAddress old = side.entry.parties[side.index];
        if (old != null) {
            bySource.remove(old);
        }
        Side other = bySource.get(from);
        if (other != null && other.entry != side.entry) {
            other.entry.parties[other.index] = null; // one source address belongs to one party only
        }
        side.entry.parties[side.index] = from;
        bySource.put(from, side);
        side.entry.lastActivityMs = clock.millis();
        return OptionalLong.of(side.entry.allocation.id());
    }

    /**
     * @param from source of a datagram arriving at the relay
     * @return the other party's address if {@code from} is latched and the other party is too; else none (drop)
     */
    public @Nullable InetSocketAddress route(InetSocketAddress from) {
        Side side = bySource.get(from);
        if (side == null) {
            return null;
        }
        InetSocketAddress peer = side.entry.parties[1 - side.index];
        if (peer != null) {
            side.entry.lastActivityMs = clock.millis();
            side.entry.forwarded++;
        }
        return peer;
    }

    /**
     * @param id allocation id
     * @param owner must be the allocation's owner
     * @return true if it existed, belonged to the owner and is now released
     */
    public boolean release(long id, String owner) {
        Entry e = byId.get(id);
        if (e == null || !e.allocation.owner().equals(owner)) {
            return false;
        }
        remove(e);
        return true;
    }

    /**
     * Releases every allocation of {@code owner} (its control connection closed).
     *
     * @return how many were released
     */
    public int releaseAll(String owner) {
        int n = 0;
        for (Iterator<Entry> it = byId.values().iterator(); it.hasNext(); ) {
            Entry e = it.next();
            if (e.allocation.owner().equals(owner)) {
                it.remove();
                unlink(e);
                n++;
            }
        }
        return n;
    }

    /** Removes allocations idle for longer than the limit; call periodically. @return how many */
    public int expireIdle() {
        long now = clock.millis();
        int n = 0;
        for (Iterator<Entry> it = byId.values().iterator(); it.hasNext(); ) {
            Entry e = it.next();
            if (now - e.lastActivityMs > limits.idleTimeoutMs()) {
                it.remove();
                unlink(e);
                n++;
            }
        }
        return n;
    }

    /** @return allocations in the table */
    public int size() {
        return byId.size();
    }

    /** @return allocations held by the owner */
    public int allocationsOf(String owner) {
        return perOwner.getOrDefault(owner, 0);
    }

    /** @return datagrams forwarded through the allocation so far, or -1 if it does not exist */
    public long forwarded(long id) {
        Entry e = byId.get(id);
        return e == null ? -1 : e.forwarded;
    }

    private void remove(Entry e) {
        byId.remove(e.allocation.id());
        unlink(e);
    }

    private void unlink(Entry e) {
        byToken.remove(ByteBuffer.wrap(e.allocation.callerToken()));
        byToken.remove(ByteBuffer.wrap(e.allocation.calleeToken()));
        for (InetSocketAddress p : e.parties) {
            if (p != null && bySource.get(p) != null && bySource.get(p).entry == e) {
                bySource.remove(p);
            }
        }
        perOwner.computeIfPresent(e.allocation.owner(), (k, v) -> v <= 1 ? null : v - 1);
    }

    private byte[] token() {
        byte[] t = new byte[TOKEN_BYTES];
        random.nextBytes(t);
        return t;
    }
}
