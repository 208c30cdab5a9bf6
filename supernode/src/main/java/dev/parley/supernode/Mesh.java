package dev.parley.supernode;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.parley.protocol.HostPort;
import dev.parley.protocol.ProtocolException;
import dev.parley.protocol.Usernames;
import dev.parley.protocol.wire.Address;
import dev.parley.protocol.wire.Envelope;
import dev.parley.protocol.wire.MeshPing;
import dev.parley.protocol.wire.MeshPong;
import dev.parley.protocol.wire.PeerLookupResult;
import dev.parley.protocol.wire.PresenceChanged;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The super-node mesh over UDP: the {@link PeerTable} (fed by the login server's directory and by
 * gossip), liveness pings, presence digests, and the peer side of searches.
 *
 * <p>Every {@link MeshSettings#pingInterval()} a round pings the least recently pinged quarter of
 * the table (at least {@value #MIN_PINGS_PER_ROUND} peers) with
 * {@code MeshPing{from, a sample of ≤ 16 live peers, the digest version held}}; the
 * {@code MeshPong} carries the peer's own sample and, if changed, its {@link PresenceDigest}.
 * Answered pings confirm a peer; missed ones make it dead (see {@link PeerTable}). A local presence
 * change is pushed to every live peer as a {@code DigestUpdate} soon after ({@link DigestSync}), so
 * peers can trust a current digest's "no".
 *
 * <p>Inbound: {@code PeerLookup} and {@code PresenceChanged} are served only for known peers
 * (source address in the table), so a spoofed datagram cannot use this super node as a reflector;
 * {@code MeshPing} from an unknown address gets an empty pong (no digest, no gossip) and its
 * {@code from} becomes an unconfirmed candidate. At most {@value #MAX_GOSSIP_READ} gossiped
 * addresses are read per message; invalid ones are ignored.
 *
 * <p>Invalidation: a peer that asked about a user is remembered for the cache TTL; when that
 * user's presence changes here, each such peer gets a {@code PresenceChanged} push (best effort;
 * the TTL bounds staleness if it is lost).
 *
 * <p>State is confined to the transport's event loop.
 */
final class Mesh implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Mesh.class);
    /** Gossiped addresses read per message; more are ignored. */
    static final int MAX_GOSSIP_READ = 16;
    /** Fewest peers pinged per round (all of them in small tables). */
    static final int MIN_PINGS_PER_ROUND = 16;
    /** Most peers remembered as interested in one user. */
    static final int MAX_INTERESTED = 32;

    private final MeshTransport transport;
    private final PeerTable table;
    private final PresenceIndex presence;
    private final HostPort self;
    private final InstantSource clock;
    private final MeshSettings settings;
    // Registered while the super node is wired up; told on the mesh loop.
    private final List<PresenceListener> remoteListeners = new CopyOnWriteArrayList<>();
    private final SplittableRandom random; // loop only
    private final Cache<String, java.util.Map<InetSocketAddress, Long>> interested;
    private final DigestSync digests;
    private long pingSequence; // loop only
    private io.netty.util.concurrent.ScheduledFuture<?> rounds;
    private final java.util.concurrent.atomic.LongAdder lookupsServed = new java.util.concurrent.atomic.LongAdder();

    /**
     * @param transport the UDP transport (its loop owns this mesh)
     * @param self this super node's advertised address
     * @param presence local presence (answers lookups, feeds the digest)
     * @param clock time source
     * @param settings mesh tuning
     * @param interestTtl how long a peer's lookup is remembered for invalidation
     * @param seed seed for gossip sampling and the digest version
     */
    Mesh(MeshTransport transport, HostPort self, PresenceIndex presence, InstantSource clock, MeshSettings settings,
            Duration interestTtl, long seed) {
        this.transport = transport;
        this.self = self;
        this.presence = presence;
        this.clock = clock;
        this.settings = settings;
        this.random = new SplittableRandom(seed);
        this.table = new PeerTable(self, settings.maxPeers(), settings.missedPingsDead());
        this.interested = Caffeine.newBuilder().expireAfterWrite(interestTtl).maximumSize(1_000_000)
                .ticker(UserLocator.ticker(clock)).executor(Runnable::run).build();
        this.digests = new DigestSync(transport, table, presence, clock, settings, random.nextLong());
        transport.setInbound(this::onMessage);
    }

    /** Starts periodic ping rounds. */
    void start() {
        rounds = transport.loop().scheduleWithFixedDelay(this::round, settings.pingInterval().toMillis(),
                settings.pingInterval().toMillis(), TimeUnit.MILLISECONDS);
    }

    PeerTable table() {
        return table;
    }

    /** @return the digest exchange (mesh loop only) */
    DigestSync digests() {
        return digests;
    }

    MeshTransport transport() {
        return transport;
    }

    /** @return lookups answered for peers so far */
    long lookupsServed() {
        return lookupsServed.sum();
    }

    /** Merges a login-server directory (any thread). */
    void onDirectory(List<HostPort> directory) {
        execute(() -> table.onDirectory(directory));
    }

    /** Registers a listener told (on the mesh loop) when a peer reports a {@code PresenceChanged}. */
    void addRemoteListener(PresenceListener listener) {
        remoteListeners.add(listener);
    }

    /**
     * Tells interested peers that {@code username}'s presence changed here (any thread; a
     * {@link PresenceListener} of the local presence). Peers whose lookup was answered at the
     * presence version after the change or later already saw it.
     */
    void presenceChanged(String username) {
        long version = presence.version();
        execute(() -> {
            digests.onLocalChange();
            java.util.Map<InetSocketAddress, Long> peers = interested.getIfPresent(username);
            if (peers == null) {
                return;
            }
            peers.entrySet().removeIf(e -> {
                if (e.getValue() >= version) {
                    return false; // answered after the change: nothing stale to drop
                }
                transport.send(e.getKey(), Envelope.newBuilder().setPresenceChanged(
                        PresenceChanged.newBuilder().setUsername(username)));
                return true;
            });
        });
    }

    /**
     * Runs one ping round now.
     *
     * @return completes (on the mesh loop) when every ping was answered or missed
     */
    CompletableFuture<Void> round() {
        CompletableFuture<Void> done = new CompletableFuture<>();
        execute(() -> {
            // Each round pings the longest-unpinged quarter of the table (at least 16 peers): the
            // mesh's own traffic stays proportional to the table, not its square, per second.
            List<PeerTable.Peer> everyone = table.all();
            everyone.sort(java.util.Comparator.comparingLong(p -> p.lastPingedMs));
            int count = Math.min(everyone.size(), Math.max(MIN_PINGS_PER_ROUND, (everyone.size() + 3) / 4));
            List<PeerTable.Peer> all = everyone.subList(0, count);
            List<CompletableFuture<?>> pings = new ArrayList<>(all.size());
            long timeoutMs = settings.pingTimeout().toMillis();
            for (PeerTable.Peer p : all) {
                p.lastPingedMs = ++pingSequence; // round-robin order, independent of the clock
                long held = p.digest == null ? 0 : p.digest.version();
                MeshPing.Builder ping = MeshPing.newBuilder().setFrom(self.toAddress()).setHaveDigestVersion(held);
                sample(p.address).forEach(ping::addKnownSuperNodes);
                pings.add(transport.request(p.socket, Envelope.newBuilder().setMeshPing(ping), timeoutMs, timeoutMs / 2)
                        .handle((r, e) -> {
                            onPong(p, held, e == null ? r : null);
                            return null;
                        }));
            }
            CompletableFuture.allOf(pings.toArray(CompletableFuture[]::new)).whenComplete((x, e) -> {
                table.publish();
                done.complete(null);
            });
        });
        return done;
    }

    private void onPong(PeerTable.Peer p, long heldDigestVersion, Envelope response) {
        if (table.get(p.address) != p) {
            return; // evicted meanwhile
        }
        if (response == null || !response.hasMeshPong()) {
            table.onMissed(p);
            return;
        }
        table.onAnswer(p, clock.millis());
        MeshPong pong = response.getMeshPong();
        if (pong.hasDigest()) {
            digests.accept(p, pong.getDigest());
        } else {
            digests.confirm(p, heldDigestVersion);
        }
        readGossip(pong.getKnownSuperNodesList());
    }

    private void readGossip(List<Address> gossip) {
        int n = Math.min(MAX_GOSSIP_READ, gossip.size());
        for (int i = 0; i < n; i++) {
            try {
                table.addGossip(HostPort.of(gossip.get(i))); // validated there, unless already known
            } catch (IllegalArgumentException e) {
                // garbage address (e.g. port out of range): ignored
            }
        }
    }

    /** @return up to 16 live peers other than {@code to}, sampled at random */
    private List<Address> sample(HostPort to) {
        List<PeerTable.Peer> live = table.live();
        List<Address> out = new ArrayList<>(MAX_GOSSIP_READ);
        int n = live.size();
        for (int i = 0; i < n && out.size() < MAX_GOSSIP_READ; i++) {
            int j = i + random.nextInt(n - i); // partial Fisher–Yates
            PeerTable.Peer pick = live.get(j);
            live.set(j, live.get(i));
            if (!pick.address.equals(to)) {
                out.add(pick.address.toAddress());
            }
        }
        return out;
    }

    /** @return the current digest of local presence */
    PresenceDigest digest() {
        return digests.local();
    }

    private Envelope.Builder onMessage(Envelope msg, InetSocketAddress sender) {
        PeerTable.Peer known = table.bySocket(sender);
        switch (msg.getBodyCase()) {
            case MESH_PING -> {
                MeshPing ping = msg.getMeshPing();
                MeshPong.Builder pong = MeshPong.newBuilder();
                if (known == null) {
                    table.valid(ping.getFrom()).ifPresent(table::addGossip);
                    return Envelope.newBuilder().setMeshPong(pong);
                }
                readGossip(ping.getKnownSuperNodesList());
                PresenceDigest d = digest();
                if (ping.getHaveDigestVersion() != d.version()) {
                    pong.setDigest(d.toWire());
                }
                sample(known.address).forEach(pong::addKnownSuperNodes);
                return Envelope.newBuilder().setMeshPong(pong);
            }
            case PEER_LOOKUP -> {
                if (known == null) {
                    return null;
                }
                return lookup(msg.getPeerLookup().getUsername(), sender);
            }
            case DIGEST_UPDATE -> {
                if (known != null && msg.getDigestUpdate().hasDigest()) {
                    digests.accept(known, msg.getDigestUpdate().getDigest());
                }
                return null;
            }
            case PRESENCE_CHANGED -> {
                if (known != null) {
                    try {
                        String username = Usernames.canonical(msg.getPresenceChanged().getUsername());
                        remoteListeners.forEach(l -> l.presenceChanged(username));
                    } catch (ProtocolException e) {
                        log.debug("{}: PresenceChanged for an invalid name", known.address);
                    }
                }
                return null;
            }
            default -> {
                return null; // nothing else is served over UDP; silence avoids ping-pong with garbage
            }
        }
    }

    private Envelope.Builder lookup(String rawName, InetSocketAddress sender) {
        String username;
        try {
            username = Usernames.canonical(rawName);
        } catch (ProtocolException e) {
            return Envelope.newBuilder().setError(dev.parley.protocol.wire.Error.newBuilder()
                    .setCode(e.code()).setMessage(e.getMessage()));
        }
        lookupsServed.increment();
        java.util.Map<InetSocketAddress, Long> peers = interested.get(username, u -> new java.util.HashMap<>());
        // Version before presence: PresenceIndex bumps it after each change, so a lookup that missed a
        // change always records an older version and is notified of it (see presenceChanged).
        long seen = presence.version();
        Session local = presence.get(username);
        if (peers.size() < MAX_INTERESTED || peers.containsKey(sender)) {
            peers.put(sender, seen);
        }
        interested.put(username, peers); // restarts the TTL: the asker caches from now
        PeerLookupResult.Builder result = PeerLookupResult.newBuilder().setFound(local != null)
                .setDigestVersion(digest().version());
        if (local != null) {
            result.setRecord(local.record());
        }
        return Envelope.newBuilder().setPeerLookupResult(result);
    }

    private void execute(Runnable task) {
        try {
            transport.loop().execute(task);
        } catch (RejectedExecutionException e) {
            // shutting down
        }
    }

    @Override
    public void close() {
        if (rounds != null) {
            rounds.cancel(false);
        }
        execute(digests::close);
        transport.close();
    }
}
