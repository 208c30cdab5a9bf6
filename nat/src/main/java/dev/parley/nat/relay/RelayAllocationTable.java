package dev.parley.nat.relay;

import dev.parley.protocol.RateBucket;
import java.net.Inet4Address;
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
 * party's source address with its token and a proof of its key ({@link RelayBindProof}), routing
 * (a latched source may only reach the other party of its allocation) within a byte rate per
 * direction, idle expiry, a maximum lifetime and explicit release. Loop-confined: the relay socket's
 * event loop owns it (control-plane requests submit tasks to that loop).
 */
public final class RelayAllocationTable {
    /**
     * @param maxPerClient allocations one username may hold at once
     * @param maxTotal allocations in the whole table
     * @param idleTimeoutMs an allocation with no traffic and no bind for this long is removed
     * @param maxLifetimeMs an allocation is removed this long after it was made, busy or not
     * @param bytesPerSecond sustained rate each party may send through the allocation, bytes/s
     * @param burstBytes burst each party may send above the rate, bytes
     * @param shareBytesPerSecond what all allocations together may relay, bytes/s ({@link RelayShare}:
     *     new allocations refused near it, packets beyond it dropped)
     */
    public record Limits(int maxPerClient, int maxTotal, long idleTimeoutMs, long maxLifetimeMs, long bytesPerSecond,
            long burstBytes, long shareBytesPerSecond) {
        /** A dedicated super node's share of its upload for relaying: 1 Gbit/s (its link is the real bound). */
        public static final long DEDICATED_SHARE_BYTES_PER_S = 125_000_000;

        /**
         * Defaults: 4 per client, 2,000 in total, 60 s idle, 4 h lifetime, 256 kbit/s per direction
         * (4× a 64 kbit/s Opus stream with RTP/UDP overhead, RTCP and checks) with a 1 s burst, a
         * {@link #DEDICATED_SHARE_BYTES_PER_S} share.
         */
        public static final Limits DEFAULTS = new Limits(4, 2_000, 60_000, 4 * 3_600_000L, 32_000, 32_000);

        /** @throws IllegalArgumentException unless the quotas, rates and share are positive */
        public Limits {
            if (maxPerClient < 1 || maxTotal < 1 || bytesPerSecond < 1 || burstBytes < 1 || shareBytesPerSecond < 1) {
                throw new IllegalArgumentException(String.format("relay limits: maxPerClient %d, maxTotal %d, bytesPerSecond "
                        + "%d, burstBytes %d, shareBytesPerSecond %d (expected: >= 1 each)", maxPerClient, maxTotal,
                        bytesPerSecond, burstBytes, shareBytesPerSecond));
            }
        }

        /** The dedicated share with these quotas and rates. */
        public Limits(int maxPerClient, int maxTotal, long idleTimeoutMs, long maxLifetimeMs, long bytesPerSecond,
                long burstBytes) {
            this(maxPerClient, maxTotal, idleTimeoutMs, maxLifetimeMs, bytesPerSecond, burstBytes,
                    DEDICATED_SHARE_BYTES_PER_S);
        }

        /** The default lifetime, byte rate and share with these quotas and idle timeout. */
        public Limits(int maxPerClient, int maxTotal, long idleTimeoutMs) {
            this(maxPerClient, maxTotal, idleTimeoutMs, 4 * 3_600_000L, 32_000, 32_000);
        }

        /**
         * @param allocations allocations in all at most (positive)
         * @param shareKbps what they may relay together, kbit/s (positive)
         * @return a copy with these caps (a promoted client's serve caps)
         */
        public Limits withCaps(int allocations, long shareKbps) {
            return new Limits(maxPerClient, allocations, idleTimeoutMs, maxLifetimeMs, bytesPerSecond, burstBytes,
                    shareKbps * 1000 / 8);
        }
    }

    private static final int TOKEN_BYTES = 16;

    private static final class Entry {
        final RelayAllocation allocation;
        final RelayParty[] parties = new RelayParty[2];
        long lastActivityMs;
        long forwarded;

        Entry(RelayAllocation allocation, Limits limits) {
            this.allocation = allocation;
            this.lastActivityMs = allocation.createdMs();
            parties[0] = new RelayParty(allocation.callerKey(), rate(limits, allocation.createdMs()));
            parties[1] = new RelayParty(allocation.calleeKey(), rate(limits, allocation.createdMs()));
        }

        private static RateBucket rate(Limits limits, long nowMs) {
            return new RateBucket(limits.bytesPerSecond(), limits.burstBytes(), nowMs);
        }
    }

    private record Side(Entry entry, int index) {}

    private final InstantSource clock;
    private final RandomGenerator random;
    private final Limits limits;
    private final Map<Long, Entry> byId = new HashMap<>();
    private final Map<ByteBuffer, Side> byToken = new HashMap<>();
    private final Map<InetSocketAddress, Side> bySource = new HashMap<>();
    /** The IPv4 entries of {@link #bySource} again, by {@link #ipv4Key}: {@link #routeIpv4} needs no address object. */
    private final LongKeyMap<Side> bySourceIpv4 = new LongKeyMap<>();
    private final Map<String, Integer> perOwner = new HashMap<>();
    private final RelayShare share;
    private long nextId = 1;

    /**
     * @param clock time source for idle expiry
     * @param random token and key source (a SecureRandom in production: the keys are the permission)
     * @param limits quotas and idle timeout
     */
    public RelayAllocationTable(InstantSource clock, RandomGenerator random, Limits limits) {
        this.clock = clock;
        this.random = random;
        this.limits = limits;
        this.share = new RelayShare(limits.shareBytesPerSecond(), clock.millis());
    }

    /**
     * @param owner canonical username of the requesting client
     * @param callId the call it is for (as the client names it; kept for logs and release)
     * @return a new allocation
     * @throws RelayQuotaException if the client or the table is at its quota, or the relayed rate is
     *     near the share ({@link RelayShare})
     */
    public RelayAllocation allocate(String owner, String callId) throws RelayQuotaException {
        int mine = perOwner.getOrDefault(owner, 0);
        if (mine >= limits.maxPerClient()) {
            throw new RelayQuotaException(String.format("relayAllocations for %s: %d (expected: < %d)", owner, mine, limits.maxPerClient()));
        }
        if (byId.size() >= limits.maxTotal()) {
            throw new RelayQuotaException(String.format("relayAllocations: %d (expected: < %d)", byId.size(), limits.maxTotal()));
        }
        if (!share.admits(clock.millis())) {
            throw new RelayQuotaException(String.format("relayed rate: %d bytes/s (expected: <= %d - %d for one more call)",
                    share.recentBytesPerSecond(clock.millis()), limits.shareBytesPerSecond(),
                    RelayShare.CALL_RESERVE_BYTES_PER_S));
        }
        RelayAllocation a = new RelayAllocation(nextId++, owner, callId, token(), token(), token(), token(), clock.millis());
        Entry e = new Entry(a, limits);
        byId.put(a.id(), e);
        byToken.put(ByteBuffer.wrap(a.callerToken()), new Side(e, 0));
        byToken.put(ByteBuffer.wrap(a.calleeToken()), new Side(e, 1));
        perOwner.merge(owner, 1, Integer::sum);
        return a;
    }

    /**
     * Latches the source address of a party (its relay bind request) if the bind proves the
     * party's key. A later proven bind from another address moves the party there (NAT
     * rebinding); an unproven one, or a replay of an accepted bind from another address, changes
     * nothing.
     *
     * @param token the party's token
     * @param proof the bind's proof of the party's key
     * @param from source transport address of the bind request
     * @return the allocation id, or empty if the token is unknown or the proof fails (refused)
     */
    public OptionalLong bind(byte[] token, RelayBindProof proof, InetSocketAddress from) {
        Side side = byToken.get(ByteBuffer.wrap(token));
        if (side == null) {
            return OptionalLong.empty();
        }
        RelayParty party = side.entry.parties[side.index];
        if (!party.admits(proof, from)) {
            return OptionalLong.empty();
        }
        InetSocketAddress old = party.address();
        if (old != null) {
            unindex(old);
        }
        Side other = bySource.get(from);
        if (other != null && other.entry != side.entry) {
            other.entry.parties[other.index].latch(null); // one source address belongs to one party only
        }
        party.latch(from);
        bySource.put(from, side);
        long v4 = ipv4Key(from);
        if (v4 >= 0) {
            bySourceIpv4.put(v4, side);
        }
        side.entry.lastActivityMs = clock.millis();
        return OptionalLong.of(side.entry.allocation.id());
    }

    /**
     * Routes one packet and charges it to its sender's byte rate.
     *
     * @param from source of a datagram arriving at the relay
     * @param bytes its size
     * @return {@link RelayRoute.Forward} to the other party if {@code from} is latched, the other
     *     party is too and the sender is within its rate and the relay within its share;
     *     {@link RelayRoute.OverRate} if over either (counted); else {@link RelayRoute.Unknown}
     */
    public RelayRoute route(InetSocketAddress from, int bytes) {
        return route(bySource.get(from), bytes, clock.millis());
    }

    /**
     * {@link #route} for an IPv4 source given as {@link #ipv4Key} (the same routing, rate and counts).
     *
     * @param source {@code address << 16 | port}, address the 32-bit IPv4 address in network order
     * @param nowMs the table's clock ({@link #nowMs}), read once for a batch
     */
    RelayRoute routeIpv4(long source, int bytes, long nowMs) {
        return route(bySourceIpv4.get(source), bytes, nowMs);
    }

    /** @return the table's clock, ms (for {@link #routeIpv4}: one read per batch of datagrams) */
    long nowMs() {
        return clock.millis();
    }

    /**
     * @return {@code address << 16 | port} of an IPv4 socket address (address read big-endian, as
     *     {@link dev.parley.nat.transport.ReceivedBatch#ipv4Sender} reads it), or -1 for any other
     */
    static long ipv4Key(InetSocketAddress a) {
        if (!(a.getAddress() instanceof Inet4Address v4)) {
            return -1;
        }
        byte[] b = v4.getAddress();
        long ip = (b[0] & 0xffL) << 24 | (b[1] & 0xff) << 16 | (b[2] & 0xff) << 8 | b[3] & 0xff;
        return ip << 16 | a.getPort();
    }

    private void unindex(InetSocketAddress source) {
        bySource.remove(source);
        long v4 = ipv4Key(source);
        if (v4 >= 0) {
            bySourceIpv4.remove(v4);
        }
    }

    private RelayRoute route(@Nullable Side side, int bytes, long now) {
        if (side == null) {
            return RelayRoute.UNKNOWN;
        }
        RelayRoute toPeer = side.entry.parties[1 - side.index].routeHere();
        if (toPeer == RelayRoute.UNKNOWN) {
            return toPeer;
        }
        RelayParty sender = side.entry.parties[side.index];
        if (sender.rate.tryTake(bytes, now) > 0 || !share.take(bytes, now)) {
            sender.droppedPackets++;
            sender.droppedBytes += bytes;
            return RelayRoute.OVER_RATE;
        }
        side.entry.lastActivityMs = now;
        side.entry.forwarded++;
        return toPeer;
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

    /**
     * Removes allocations idle for longer than the limit, or older than the maximum lifetime;
     * call periodically.
     *
     * @return how many
     */
    public int expireIdle() {
        long now = clock.millis();
        int n = 0;
        for (Iterator<Entry> it = byId.values().iterator(); it.hasNext(); ) {
            Entry e = it.next();
            if (now - e.lastActivityMs > limits.idleTimeoutMs() || now - e.allocation.createdMs() >= limits.maxLifetimeMs()) {
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

    /** @return packets dropped over the byte rate, both parties, or -1 if the allocation does not exist */
    public long droppedOverRate(long id) {
        Entry e = byId.get(id);
        return e == null ? -1 : e.parties[0].droppedPackets + e.parties[1].droppedPackets;
    }

    /** @return the limits this table enforces */
    public Limits limits() {
        return limits;
    }

    private void remove(Entry e) {
        byId.remove(e.allocation.id());
        unlink(e);
    }

    private void unlink(Entry e) {
        byToken.remove(ByteBuffer.wrap(e.allocation.callerToken()));
        byToken.remove(ByteBuffer.wrap(e.allocation.calleeToken()));
        for (RelayParty party : e.parties) {
            InetSocketAddress p = party.address();
            if (p != null && bySource.get(p) != null && bySource.get(p).entry == e) {
                unindex(p);
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
