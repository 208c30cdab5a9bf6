package dev.parley.supernode;

import com.google.protobuf.ByteString;
import dev.parley.protocol.HostPort;
import dev.parley.protocol.wire.Envelope;
import dev.parley.protocol.wire.PeerLookup;
import dev.parley.protocol.wire.PeerLookupResult;
import dev.parley.protocol.wire.SuperNodeCertificate;
import dev.parley.supernode.MeshCandidate.DigestSays;
import dev.parley.supernode.meshauth.MeshDatagramException;
import dev.parley.supernode.meshauth.MeshKeys;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * The super-node mesh over UDP: one {@link MeshTransport} socket shared by two roles, each owning
 * its part of the state:
 * <ul>
 *   <li>{@link MeshLiveness}: ping rounds every {@link MeshSettings#pingInterval()}, gossip of
 *       certificates, the {@link PeerTable} (fed by the login server's directory and by gossip, with
 *       every peer's verified certificate, see {@link PeerCertificates}) and, through
 *       {@link DigestSync}, the presence digests (a local presence change is pushed to every live
 *       peer as a {@code DigestUpdate} soon after, so peers can trust a current digest's "no");</li>
 *   <li>{@link LookupServer}: answers to peers' {@code PeerLookup}s and the {@code PresenceChanged}
 *       invalidations both ways.</li>
 * </ul>
 * Every datagram is sealed between certified super nodes ({@link MeshTransport}, {@code meshauth}):
 * what reaches this class comes from a super node certified at the source address. It routes them: {@code MeshPing} and {@code DigestUpdate} to
 * liveness, {@code PeerLookup} and {@code PresenceChanged} (known peers only: the source address
 * must be in the table) to the lookup server, {@code MeshSuspect} (known peers only) to the
 * {@link DeathWatch}; anything else is dropped unanswered. It is also the
 * {@link MeshPort} through which {@link UserLocator} searches.
 *
 * <p>State is confined to the transport's event loop; the methods here may be called from any thread
 * unless noted.
 */
final class Mesh implements MeshPort, AutoCloseable {
    private final MeshTransport transport;
    private final PeerTable table;
    private final PresenceIndex presence;
    private final InstantSource clock;
    private final MeshSettings settings;
    private final DigestSync digests;
    private final MeshLiveness liveness;
    private final LookupServer lookups;
    private final PeerCertificates certificates;
    private final DeathWatch deaths;
    private @Nullable ScheduledFuture<?> rounds;

    /**
     * @param transport the UDP transport (its loop owns this mesh)
     * @param self this super node's advertised address
     * @param presence local presence (answers lookups, feeds the digest)
     * @param clock time source
     * @param settings mesh tuning
     * @param interestTtl how long a peer's lookup is remembered for invalidation
     * @param seed seed for gossip sampling and the digest version
     * @param identity this super node's keys and certificate
     * @param loginKey the login server's key (none while unknown), which verifies peers' certificates
     */
    Mesh(MeshTransport transport, HostPort self, PresenceIndex presence, InstantSource clock, MeshSettings settings,
            Duration interestTtl, long seed, NodeIdentity identity, Supplier<byte @Nullable []> loginKey) {
        this.transport = transport;
        this.presence = presence;
        this.clock = clock;
        this.settings = settings;
        SplittableRandom random = new SplittableRandom(seed);
        this.table = new PeerTable(self, settings.maxPeers(), settings.missedPingsDead());
        this.certificates = new PeerCertificates(table, loginKey, clock, identity);
        this.digests = new DigestSync(transport, table, presence, clock, settings, random.nextLong());
        this.liveness = new MeshLiveness(transport, table, digests, self, clock, settings, random, certificates);
        this.lookups = new LookupServer(transport, presence, digests::local, clock, interestTtl);
        this.deaths = new DeathWatch(transport, table, liveness, clock, settings.pingTimeout().toMillis());
        liveness.onFirstMiss(deaths::missed);
        transport.setInbound(this::onMessage);
        execute(() -> transport.keys().setCertificateSource(new TableCertificates(table)));
    }

    /** The peer table's verified certificates, where the mesh keys look for peers they have not met yet. */
    private record TableCertificates(PeerTable table) implements MeshKeys.CertificateSource {
        @Override
        public @Nullable SuperNodeCertificate byAddress(InetSocketAddress socket) {
            PeerTable.Peer p = table.bySocket(socket);
            return p == null ? null : p.certificate;
        }

        @Override
        public @Nullable SuperNodeCertificate byKeyId(long keyId) {
            PeerTable.Peer p = table.byKeyId(ByteString.copyFrom(ByteBuffer.allocate(Long.BYTES).putLong(keyId).array()));
            return p == null ? null : p.certificate;
        }
    }

    /** Starts periodic ping rounds. */
    void start() {
        rounds = transport.loop().scheduleWithFixedDelay(this::round, settings.pingInterval().toMillis(),
                settings.pingInterval().toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Registers a listener told (on the mesh loop) when a peer reports a {@code PresenceChanged}. */
    void addRemoteListener(PresenceListener listener) {
        lookups.addRemoteListener(listener);
    }

    /** Registers a listener told (on the mesh loop) of each new digest version a peer sends. */
    void addDigestListener(DigestSync.DigestListener listener) {
        digests.addListener(listener);
    }

    /**
     * Registers a listener told (on the mesh loop) of each peer suspected dead ({@link DeathWatch}):
     * answers naming it should be dropped.
     */
    void addDeathListener(Consumer<HostPort> listener) {
        deaths.addListener(listener);
    }

    /**
     * A client registering here lost its connection to {@code superNode}: it is probed, and if
     * silent counted dead and reported to the peers ({@link DeathWatch#clientLost}).
     */
    @Override
    public void clientLost(HostPort superNode) {
        execute(() -> deaths.clientLost(superNode));
    }

    /** @return when {@code peer} last answered (clock ms; -1 if unknown); waits for the mesh loop (tests) */
    long lastHeardMs(HostPort peer) {
        return CompletableFuture.supplyAsync(() -> {
            PeerTable.Peer p = table.get(peer);
            return p == null ? -1L : p.lastHeardMs;
        }, transport.loop()).join();
    }

    /** @return the death watch (tests: its counters) */
    DeathWatch deaths() {
        return deaths;
    }

    /** @return every known peer address, as of the last table change */
    List<HostPort> knownPeers() {
        return table.knownSnapshot();
    }

    /** @return the live peer addresses, as of the last table change */
    List<HostPort> livePeers() {
        return table.liveSnapshot();
    }

    /** @return lookups answered for peers so far */
    long lookupsServed() {
        return lookups.lookupsServed();
    }

    /** @return the UDP transport (tests: its counters and socket) */
    MeshTransport transport() {
        return transport;
    }

    /** @return digest pushes ({@code DigestUpdate} rounds to every live peer) sent so far */
    long digestPushes() {
        return digests.pushes();
    }

    /** @return datagrams the transport dropped so far */
    long dropped() {
        return transport.dropped();
    }

    /** @return datagrams that did not open so far, indexed by {@link MeshDatagramException.Reason} ordinal */
    long[] refused() {
        MeshDatagramException.Reason[] reasons = MeshDatagramException.Reason.values();
        long[] counts = new long[reasons.length];
        for (MeshDatagramException.Reason r : reasons) {
            counts[r.ordinal()] = transport.refused(r);
        }
        return counts;
    }

    /** @return lookups dropped unanswered in a standing queue ({@link MeshTransport#shed()}) */
    long shed() {
        return transport.shed();
    }

    /**
     * Merges a login-server directory: its certificates that verify (cached: the same ones come
     * with every heartbeat) become the directory entries of the peer table.
     */
    void onDirectory(List<SuperNodeCertificate> directory) {
        execute(() -> {
            List<PeerCertificates.Verified> verified = new ArrayList<>(directory.size());
            for (SuperNodeCertificate c : directory) {
                PeerCertificates.Verified v = certificates.verify(c);
                if (v != null) {
                    verified.add(v);
                }
            }
            table.onDirectory(verified);
        });
    }

    /**
     * @return the peers' verified certificates (by address, by key id) and this node's identity;
     *     use on the mesh loop ({@link #loop()})
     */
    PeerCertificates certificates() {
        return certificates;
    }

    /**
     * Local presence changed (a {@link PresenceListener} of the local presence): the digest is
     * pushed soon, and interested peers are told.
     */
    void presenceChanged(String username) {
        long version = presence.version(); // read now, on the changing thread: the change is counted
        execute(() -> {
            digests.onLocalChange();
            lookups.presenceChanged(username, version);
        });
    }

    /**
     * Runs one ping round now.
     *
     * @return completes (on the mesh loop) when every ping was answered or missed
     */
    CompletableFuture<Void> round() {
        CompletableFuture<Void> done = new CompletableFuture<>();
        execute(() -> liveness.round().whenComplete((x, e) -> done.complete(null)));
        return done;
    }

    private Envelope.@Nullable Builder onMessage(Envelope msg, InetSocketAddress sender) {
        PeerTable.Peer known = table.bySocket(sender);
        switch (msg.getBodyCase()) {
            case MESH_PING -> {
                return liveness.onPing(msg.getMeshPing(), known, sender);
            }
            case DIGEST_UPDATE -> liveness.onDigestUpdate(msg.getDigestUpdate(), known);
            case PEER_LOOKUP -> {
                return known == null ? null : lookups.lookup(msg.getPeerLookup().getUsername(), sender);
            }
            case MESH_SUSPECT -> {
                if (known != null) {
                    deaths.onNews(msg.getMeshSuspect(), known);
                }
            }
            case PRESENCE_CHANGED -> {
                if (known != null) {
                    lookups.onPresenceChanged(msg.getPresenceChanged(), known);
                }
            }
            default -> {
                // nothing else is served over UDP; silence avoids ping-pong with garbage
            }
        }
        return null;
    }

    @Override
    public EventLoop loop() {
        return transport.loop();
    }

    @Override
    public long nanoTime() {
        return System.nanoTime();
    }

    @Override
    public List<MeshCandidate> candidates(String username) {
        long hash = PresenceDigest.hash(username);
        long nowMs = clock.millis();
        List<PeerTable.Peer> live = table.live();
        List<PeerTable.Peer> suspects = table.suspects();
        List<MeshCandidate> out = new ArrayList<>(live.size() + suspects.size());
        live.forEach(p -> out.add(new MeshCandidate(p.address, false, says(p, hash, nowMs))));
        suspects.forEach(p -> out.add(new MeshCandidate(p.address, true, says(p, hash, nowMs))));
        return out;
    }

    private DigestSays says(PeerTable.Peer p, long hash, long nowMs) {
        if (p.digest == null) {
            return DigestSays.NOTHING;
        }
        if (p.digest.mightContain(hash)) {
            return DigestSays.MAYBE;
        }
        return digests.current(p, nowMs) ? DigestSays.NO_CURRENT : DigestSays.NO_STALE;
    }

    @Override
    public CompletableFuture<PeerLookupResult> lookup(HostPort peer, String username, long timeoutMs,
            long retransmitAfterMs) {
        PeerTable.Peer entry = table.get(peer);
        // A peer evicted since the search's plan is still asked: its address stays an IP literal.
        InetSocketAddress to = entry != null ? entry.socket : PeerTable.socketOf(peer);
        if (to == null) {
            return CompletableFuture.failedFuture(new IOException("not a peer address: " + peer));
        }
        Envelope.Builder request = Envelope.newBuilder().setPeerLookup(PeerLookup.newBuilder().setUsername(username));
        return transport.request(to, request, timeoutMs, retransmitAfterMs).thenApply(response -> {
            PeerTable.Peer p = table.get(peer);
            if (p != null) {
                table.onAnswer(p, clock.millis()); // any answer is proof of life
                if (response.hasPeerLookupResult()) {
                    digests.onLookupAnswer(p, response.getPeerLookupResult().getDigestVersion());
                }
            }
            return response.hasPeerLookupResult() ? response.getPeerLookupResult() : PeerLookupResult.getDefaultInstance();
        });
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
