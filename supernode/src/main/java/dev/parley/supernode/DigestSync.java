package dev.parley.supernode;

import dev.parley.protocol.HostPort;
import dev.parley.protocol.wire.DigestUpdate;
import dev.parley.protocol.wire.Envelope;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps presence digests current in both directions, so that a peer's digest saying "no" can be
 * trusted instead of asking that peer.
 *
 * <p><b>Out.</b> The local digest is rebuilt when presence changed, and every live peer gets a
 * {@code DigestUpdate} push with it: at once after a quiet spell, otherwise
 * {@link MeshSettings#digestPushDelay()} after the previous push (changes in between share one
 * push: at most one push per delay, whatever the churn), or later for big digests and many peers
 * ({@value #PUSH_BUDGET_BYTES_PER_S} bytes/s and {@value #PUSH_BUDGET_DATAGRAMS_PER_S} datagrams/s
 * on average at most). Pongs carry it as before, when the
 * pinger's version is not current.
 *
 * <p><b>In.</b> A peer's digest is <i>current</i> for {@link MeshSettings#digestLease()} after the
 * peer last confirmed it: a pong carrying it, a pong saying the pinger's version is current, a
 * push, or a lookup answer naming its version. A lookup answer naming another version makes it
 * stale at once. Versions are {@code random 31-bit base << 32 | local change count}: a push overtaken by a
 * newer one is ignored; a new base (the peer restarted) always wins.
 *
 * <p>What a lease costs: a user who registered at a peer whose push to this node was lost is not
 * found from here until that peer's next pong (each peer is pinged every few seconds) or the lease
 * ends, whichever is first; a push in flight is a window of one network delay (plus up to the
 * push delay during bursts of changes). In exchange a
 * search for someone who is not online asks only the peers without a current digest plus Bloom
 * false positives (about 0.05 %), not every peer.
 *
 * <p>Confined to the mesh event loop.
 */
final class DigestSync {
    private static final Logger log = LoggerFactory.getLogger(DigestSync.class);
    private static final long BASE_MASK = 0xffff_ffff_0000_0000L;
    /**
     * Outbound bytes per second that digest pushes may average: a super node with a full 8 KiB
     * digest and 255 peers pushes every 4 s instead of every second (2 MB each time).
     */
    static final long PUSH_BUDGET_BYTES_PER_S = 512 * 1024;
    /**
     * Push datagrams per second that digest pushes may average, as each costs a seal, a syscall and
     * the peer's open whatever its size: with 100 live peers a super node pushes at most once a
     * second, so a mesh of N nodes carries about 100 N pushes a second however fast users register.
     */
    static final long PUSH_BUDGET_DATAGRAMS_PER_S = 100;

    private final MeshTransport transport;
    private final PeerTable table;
    private final PresenceIndex presence;
    private final InstantSource clock;
    private final MeshSettings settings;
    private final long versionBase;
    private @Nullable PresenceDigest local;
    private long localBuiltFor = -1;
    private @Nullable ScheduledFuture<?> pendingPush;
    private long lastPushNanos = Long.MIN_VALUE / 2;
    private volatile long pushes; // written on the mesh loop only, read by stats
    private final List<DigestListener> listeners = new CopyOnWriteArrayList<>();

    /** Told (on the mesh loop) of each new digest version a peer sends. */
    @FunctionalInterface
    interface DigestListener {
        void newDigest(HostPort peer, PresenceDigest digest);
    }

    /**
     * @param versionSeed random bits for this run's version base
     */
    DigestSync(MeshTransport transport, PeerTable table, PresenceIndex presence, InstantSource clock,
            MeshSettings settings, long versionSeed) {
        this.transport = transport;
        this.table = table;
        this.presence = presence;
        this.clock = clock;
        this.settings = settings;
        this.versionBase = versionSeed & 0x7fff_ffff_0000_0000L;
    }

    /** @return the current digest of local presence, rebuilt when presence changed */
    PresenceDigest local() {
        long v = presence.version();
        if (local == null || v != localBuiltFor) {
            local = PresenceDigest.of(new ArrayList<>(presence.usernames()), versionBase + v + 1);
            localBuiltFor = v;
        }
        return local;
    }

    /** Local presence changed: pushes the digest now, or once the push delay since the last push ends. */
    void onLocalChange() {
        if (settings.digestPushDelay().isZero() || pendingPush != null) {
            return; // pushes off, or one is due and will carry this change too
        }
        long waitNanos = lastPushNanos + pushIntervalNanos() - System.nanoTime();
        if (waitNanos <= 0) {
            push();
        } else {
            pendingPush = transport.loop().schedule(() -> {
                pendingPush = null;
                push();
            }, waitNanos, TimeUnit.NANOSECONDS);
        }
    }

    private long pushIntervalNanos() {
        return pushIntervalNanos(settings.digestPushDelay().toNanos(), local().sizeBytes(), table.live().size());
    }

    /**
     * @param pushDelayNanos the configured least time between pushes, in ns
     * @param digestBytes the digest's size, in bytes
     * @param livePeers peers one push goes to
     * @return the least time between two pushes, in ns: the push delay, or longer when a push to
     *     every live peer would exceed the byte or the datagram budget
     */
    static long pushIntervalNanos(long pushDelayNanos, int digestBytes, int livePeers) {
        long budgetNanos = Math.max((long) digestBytes * livePeers * 1_000_000_000L / PUSH_BUDGET_BYTES_PER_S,
                livePeers * 1_000_000_000L / PUSH_BUDGET_DATAGRAMS_PER_S);
        return Math.max(pushDelayNanos, budgetNanos);
    }

    private void push() {
        lastPushNanos = System.nanoTime();
        Envelope.Builder update = Envelope.newBuilder().setDigestUpdate(DigestUpdate.newBuilder().setDigest(local().toWire()));
        for (PeerTable.Peer p : table.live()) {
            transport.send(p.socket, update.clone());
        }
        pushes++;
    }

    /** @return pushes sent so far */
    long pushes() {
        return pushes;
    }

    /**
     * Takes a digest from {@code peer} (in a pong or a push) and starts its lease.
     *
     * @return false if it was malformed or older than the one held (both ignored)
     */
    boolean accept(PeerTable.Peer peer, dev.parley.protocol.wire.PresenceDigest wire) { // qualified: clashes with ours
        Optional<PresenceDigest> parsed = PresenceDigest.fromWire(wire);
        if (parsed.isEmpty()) {
            log.debug("{} sent a malformed digest; ignored", peer.address);
            return false;
        }
        PresenceDigest d = parsed.get();
        PresenceDigest held = peer.digest;
        if (held != null && (held.version() & BASE_MASK) == (d.version() & BASE_MASK) && d.version() < held.version()) {
            return false; // overtaken by a newer push
        }
        peer.digest = d;
        peer.digestConfirmedMs = clock.millis();
        if (held == null || held.version() != d.version()) {
            listeners.forEach(l -> l.newDigest(peer.address, d));
        }
        return true;
    }

    /** Registers {@code listener} for new digest versions from peers (mesh loop). */
    void addListener(DigestListener listener) {
        listeners.add(listener);
    }

    /** A pong without a digest: the version the ping said it held is current; renews its lease. */
    void confirm(PeerTable.Peer peer, long heldVersion) {
        if (peer.digest != null && peer.digest.version() == heldVersion) {
            peer.digestConfirmedMs = clock.millis();
        }
    }

    /**
     * A lookup answer named the peer's current digest version: renews the lease of the digest held
     * if it is that version, ends it if not (its "no" is not trusted until the next pong or push
     * brings the new one).
     */
    void onLookupAnswer(PeerTable.Peer peer, long currentVersion) {
        if (peer.digest == null || currentVersion == 0) {
            return;
        }
        if (peer.digest.version() == currentVersion) {
            peer.digestConfirmedMs = clock.millis();
        } else {
            peer.digestConfirmedMs = Long.MIN_VALUE / 2; // out of date: stale at once
        }
    }

    /** @return whether {@code peer}'s digest is within its lease, so its "no" can be trusted */
    boolean current(PeerTable.Peer peer, long nowMs) {
        return peer.digest != null && nowMs - peer.digestConfirmedMs <= settings.digestLease().toMillis();
    }

    void close() {
        if (pendingPush != null) {
            pendingPush.cancel(false);
        }
    }
}
