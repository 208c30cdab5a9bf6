package dev.parley.supernode;

import dev.parley.protocol.HostPort;
import dev.parley.protocol.RateBucket;
import dev.parley.protocol.wire.DigestUpdate;
import dev.parley.protocol.wire.Envelope;
import dev.parley.protocol.wire.MeshPing;
import dev.parley.protocol.wire.MeshPong;
import dev.parley.protocol.wire.SuperNodeCertificate;
import java.net.InetSocketAddress;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * The mesh's liveness and gossip: ping rounds, the pongs to others' pings, and the peer table and
 * presence digests they maintain.
 *
 * <p>A round pings the least recently pinged quarter of the table (at least
 * {@value #MIN_PINGS_PER_ROUND} peers) with {@code MeshPing{from, this node's certificate and gossip,
 * the digest version held}}; the {@code MeshPong} carries the peer's own gossip and, if changed, its
 * {@link PresenceDigest}. Gossip is news first: the certificates of live peers that are new or
 * renewed here, each in {@link PeerTable#gossipRetransmits} messages (as SWIM and memberlist
 * piggyback updates), then {@value #RANDOM_GOSSIP_CERTIFICATES} live peer's certificate at random
 * (anti-entropy). A stable mesh so sends about one certificate per message, not five, which cut
 * the idle CPU of 100 super nodes by about a fifth: most of it went to encrypting and looking up
 * certificates everyone had (docs/benchmarks.md "The suspect storm"). Answered pings confirm a
 * peer; missed ones make it dead (see {@link PeerTable}). {@code DigestUpdate} pushes from known
 * peers go to {@link DigestSync}.
 *
 * <p>Gossip is certificates, never bare addresses: an address enters the table only with a valid
 * certificate naming it ({@link PeerCertificates}, cached so that repeated certificates cost no new
 * verification). At most {@value #MAX_GOSSIP_CERTIFICATES} certificates are sent or read per
 * datagram (about 170 bytes each: a ping stays under 1,000 bytes).
 *
 * <p>A ping from an unknown address gets an empty pong (no digest, no gossip), so a spoofed datagram
 * learns nothing; only its first certificate is read, only if it names the datagram's source (the
 * sender introducing itself), and at most {@value #STRANGER_VERIFICATIONS_PER_S} such verifications
 * a second are spent on strangers.
 *
 * <p>Confined to the mesh event loop.
 */
final class MeshLiveness {
    /** Certificates sent or read per ping or pong; more are ignored. */
    static final int MAX_GOSSIP_CERTIFICATES = 5;
    /** Certificates sampled at random per message, after the news. */
    static final int RANDOM_GOSSIP_CERTIFICATES = 1;
    /** Certificate verifications per second spent on pings from unknown addresses (burst: twice). */
    static final int STRANGER_VERIFICATIONS_PER_S = 50;
    /** Fewest peers pinged per round (all of them in small tables). */
    static final int MIN_PINGS_PER_ROUND = 16;

    private final MeshTransport transport;
    private final PeerTable table;
    private final DigestSync digests;
    private final HostPort self;
    private final InstantSource clock;
    private final MeshSettings settings;
    private final SplittableRandom random;
    private final PeerCertificates certificates;
    private final RateBucket strangers;
    private long pingSequence;
    /** Told of a round's ping that went unanswered by a peer that had answered the one before. */
    private Consumer<PeerTable.Peer> firstMiss = p -> { };

    /**
     * @param transport where pings go
     * @param table the peer table this keeps
     * @param digests the digest exchange riding on pings and pongs
     * @param self this super node's advertised address (the pings' {@code from})
     * @param clock time of answers
     * @param settings ping timeout
     * @param random source of the gossip samples (mesh loop only)
     * @param certificates verifies gossiped certificates; holds this node's identity
     */
    MeshLiveness(MeshTransport transport, PeerTable table, DigestSync digests, HostPort self, InstantSource clock,
            MeshSettings settings, SplittableRandom random, PeerCertificates certificates) {
        this.certificates = certificates;
        this.strangers = new RateBucket(STRANGER_VERIFICATIONS_PER_S, 2.0 * STRANGER_VERIFICATIONS_PER_S, clock.millis());
        this.transport = transport;
        this.table = table;
        this.digests = digests;
        this.self = self;
        this.clock = clock;
        this.settings = settings;
        this.random = random;
    }

    /** Sets who is told when a peer that answered its last ping misses one ({@link DeathWatch#missed}). */
    void onFirstMiss(Consumer<PeerTable.Peer> listener) {
        this.firstMiss = listener;
    }

    /**
     * Pings {@code p} now, outside the rounds (once more after half the timeout if unanswered);
     * an answer counts as a round's would. A miss is left to the caller.
     *
     * @param timeoutMs how long to wait for the pong
     * @return completes on the mesh loop with whether {@code p} answered in time
     */
    CompletableFuture<Boolean> probe(PeerTable.Peer p, long timeoutMs) {
        long held = p.digest == null ? 0 : p.digest.version();
        return transport.request(p.socket, Envelope.newBuilder().setMeshPing(ping(held)), timeoutMs, timeoutMs / 2)
                .handle((r, e) -> {
                    boolean answered = e == null && r.hasMeshPong();
                    if (answered) {
                        onPong(p, held, r);
                        table.publish(); // it may be live again (or confirmed) now, not after the next round
                    }
                    return answered;
                });
    }

    private MeshPing.Builder ping(long heldDigestVersion) {
        MeshPing.Builder ping = MeshPing.newBuilder().setFrom(self.toAddress()).setHaveDigestVersion(heldDigestVersion);
        SuperNodeCertificate own = certificates.self().certificate();
        if (own != null) {
            ping.addCertificates(own); // lets a peer that does not know this node yet take it
        }
        return ping;
    }

    /**
     * Runs one ping round (on the mesh loop).
     *
     * @return completes when every ping was answered or missed and the table's snapshots are published
     */
    CompletableFuture<Void> round() {
        // Each round pings the longest-unpinged quarter of the table (at least 16 peers): the
        // mesh's own traffic stays proportional to the table, not its square, per second.
        table.dropExpired(certificates::expired);
        List<PeerTable.Peer> everyone = table.all();
        everyone.sort(Comparator.comparingLong(p -> p.lastPingedMs));
        int count = Math.min(everyone.size(), Math.max(MIN_PINGS_PER_ROUND, (everyone.size() + 3) / 4));
        List<CompletableFuture<?>> pings = new ArrayList<>(count);
        long timeoutMs = settings.pingTimeout().toMillis();
        for (PeerTable.Peer p : everyone.subList(0, count)) {
            p.lastPingedMs = ++pingSequence; // round-robin order, independent of the clock
            long held = p.digest == null ? 0 : p.digest.version();
            MeshPing.Builder ping = ping(held);
            ping.addAllCertificates(sample(p.address, MAX_GOSSIP_CERTIFICATES - ping.getCertificatesCount()));
            pings.add(transport.request(p.socket, Envelope.newBuilder().setMeshPing(ping), timeoutMs, timeoutMs / 2)
                    .handle((r, e) -> {
                        onPong(p, held, e == null ? r : null);
                        return null;
                    }));
        }
        return CompletableFuture.allOf(pings.toArray(CompletableFuture[]::new)).handle((x, e) -> {
            table.publish();
            return null;
        });
    }

    private void onPong(PeerTable.Peer p, long heldDigestVersion, @Nullable Envelope response) {
        if (table.get(p.address) != p) {
            return; // evicted meanwhile
        }
        if (response == null || !response.hasMeshPong()) {
            boolean wasAnswering = p.confirmed && p.missed == 0;
            table.onMissed(p);
            if (wasAnswering) {
                firstMiss.accept(p);
            }
            return;
        }
        table.onAnswer(p, clock.millis());
        MeshPong pong = response.getMeshPong();
        if (pong.hasDigest()) {
            digests.accept(p, pong.getDigest());
        } else {
            digests.confirm(p, heldDigestVersion);
        }
        readGossip(pong.getCertificatesList());
    }

    /**
     * Answers a ping.
     *
     * @param known the sender's table entry; none for an unknown address
     * @param sender the datagram's source
     * @return the pong
     */
    Envelope.Builder onPing(MeshPing ping, PeerTable.@Nullable Peer known, InetSocketAddress sender) {
        MeshPong.Builder pong = MeshPong.newBuilder();
        if (known == null) {
            introduce(ping, sender);
            return Envelope.newBuilder().setMeshPong(pong);
        }
        readGossip(ping.getCertificatesList());
        PresenceDigest d = digests.local();
        if (ping.getHaveDigestVersion() != d.version()) {
            pong.setDigest(d.toWire());
        }
        pong.addAllCertificates(sample(known.address, MAX_GOSSIP_CERTIFICATES));
        return Envelope.newBuilder().setMeshPong(pong);
    }

    /**
     * A stranger's ping: its first certificate, if it names the datagram's source, makes it an
     * unconfirmed candidate, pinged back at once. Verifications for strangers are rate-limited.
     */
    private void introduce(MeshPing ping, InetSocketAddress sender) {
        if (ping.getCertificatesCount() == 0) {
            return;
        }
        SuperNodeCertificate first = ping.getCertificates(0);
        InetSocketAddress named;
        try {
            named = PeerTable.socketOf(HostPort.of(first.getAddress()));
        } catch (IllegalArgumentException e) {
            return; // garbage address
        }
        if (named == null || !named.equals(sender) || strangers.tryTake(1, clock.millis()) > 0) {
            return;
        }
        PeerCertificates.Verified v = certificates.verify(first);
        if (v != null && table.addGossip(v)) {
            // A new super node (e.g. a client just promoted) introduces itself: ping it back now
            // rather than next round, so searches ask it (only confirmed gossip entries are live) at once.
            PeerTable.Peer p = table.get(v.address());
            if (p != null) {
                probe(p, settings.pingTimeout().toMillis());
            }
        }
    }

    /** Takes a known peer's pushed digest; pushes from unknown addresses are ignored. */
    void onDigestUpdate(DigestUpdate update, PeerTable.@Nullable Peer known) {
        if (known != null && update.hasDigest()) {
            digests.accept(known, update.getDigest());
        }
    }

    private void readGossip(List<SuperNodeCertificate> gossip) {
        int n = Math.min(MAX_GOSSIP_CERTIFICATES, gossip.size());
        for (int i = 0; i < n; i++) {
            PeerCertificates.Verified v = certificates.verify(gossip.get(i)); // forged, expired: null
            if (v != null) {
                table.addGossip(v); // validated there (IP literal, not this node), unless already known
            }
        }
    }

    /**
     * @return up to {@code max} certificates of live peers other than {@code to}: news first (each
     *     counted against its peer's {@code gossipLeft}), then {@value #RANDOM_GOSSIP_CERTIFICATES}
     *     sampled at random
     */
    private List<SuperNodeCertificate> sample(HostPort to, int max) {
        List<PeerTable.Peer> live = table.live();
        List<SuperNodeCertificate> out = new ArrayList<>(max);
        for (PeerTable.Peer p : live) {
            if (out.size() >= max) {
                break;
            }
            if (p.gossipLeft > 0 && !p.address.equals(to)) {
                p.gossipLeft--;
                out.add(p.certificate);
            }
        }
        int n = live.size();
        int sampled = 0;
        for (int i = 0; i < n && out.size() < max && sampled < RANDOM_GOSSIP_CERTIFICATES; i++) {
            int j = i + random.nextInt(n - i); // partial Fisher–Yates
            PeerTable.Peer pick = live.get(j);
            live.set(j, live.get(i));
            if (!pick.address.equals(to) && out.stream().noneMatch(c -> c == pick.certificate)) {
                out.add(pick.certificate);
                sampled++;
            }
        }
        return out;
    }
}
