package dev.parley.supernode;

import dev.parley.protocol.HostPort;
import dev.parley.protocol.wire.Address;
import dev.parley.protocol.wire.DigestUpdate;
import dev.parley.protocol.wire.Envelope;
import dev.parley.protocol.wire.MeshPing;
import dev.parley.protocol.wire.MeshPong;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import org.jspecify.annotations.Nullable;

/**
 * The mesh's liveness and gossip: ping rounds, the pongs to others' pings, and the peer table and
 * presence digests they maintain.
 *
 * <p>A round pings the least recently pinged quarter of the table (at least
 * {@value #MIN_PINGS_PER_ROUND} peers) with {@code MeshPing{from, a sample of ≤ 16 live peers, the
 * digest version held}}; the {@code MeshPong} carries the peer's own sample and, if changed, its
 * {@link PresenceDigest}. Answered pings confirm a peer; missed ones make it dead (see
 * {@link PeerTable}). {@code DigestUpdate} pushes from known peers go to {@link DigestSync}.
 *
 * <p>A ping from an unknown address gets an empty pong (no digest, no gossip) and its {@code from}
 * becomes an unconfirmed candidate, so a spoofed datagram learns nothing. At most
 * {@value #MAX_GOSSIP_READ} gossiped addresses are read per message; invalid ones are ignored.
 *
 * <p>Confined to the mesh event loop.
 */
final class MeshLiveness {
    /** Gossiped addresses read per message; more are ignored. */
    static final int MAX_GOSSIP_READ = 16;
    /** Fewest peers pinged per round (all of them in small tables). */
    static final int MIN_PINGS_PER_ROUND = 16;

    private final MeshTransport transport;
    private final PeerTable table;
    private final DigestSync digests;
    private final HostPort self;
    private final InstantSource clock;
    private final MeshSettings settings;
    private final SplittableRandom random;
    private long pingSequence;

    /**
     * @param transport where pings go
     * @param table the peer table this keeps
     * @param digests the digest exchange riding on pings and pongs
     * @param self this super node's advertised address (the pings' {@code from})
     * @param clock time of answers
     * @param settings ping timeout
     * @param random source of the gossip samples (mesh loop only)
     */
    MeshLiveness(MeshTransport transport, PeerTable table, DigestSync digests, HostPort self, InstantSource clock,
            MeshSettings settings, SplittableRandom random) {
        this.transport = transport;
        this.table = table;
        this.digests = digests;
        this.self = self;
        this.clock = clock;
        this.settings = settings;
        this.random = random;
    }

    /**
     * Runs one ping round (on the mesh loop).
     *
     * @return completes when every ping was answered or missed and the table's snapshots are published
     */
    CompletableFuture<Void> round() {
        // Each round pings the longest-unpinged quarter of the table (at least 16 peers): the
        // mesh's own traffic stays proportional to the table, not its square, per second.
        List<PeerTable.Peer> everyone = table.all();
        everyone.sort(Comparator.comparingLong(p -> p.lastPingedMs));
        int count = Math.min(everyone.size(), Math.max(MIN_PINGS_PER_ROUND, (everyone.size() + 3) / 4));
        List<CompletableFuture<?>> pings = new ArrayList<>(count);
        long timeoutMs = settings.pingTimeout().toMillis();
        for (PeerTable.Peer p : everyone.subList(0, count)) {
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

    /**
     * Answers a ping.
     *
     * @param known the sender's table entry; none for an unknown address
     * @return the pong
     */
    Envelope.Builder onPing(MeshPing ping, PeerTable.@Nullable Peer known) {
        MeshPong.Builder pong = MeshPong.newBuilder();
        if (known == null) {
            table.valid(ping.getFrom()).ifPresent(table::addGossip);
            return Envelope.newBuilder().setMeshPong(pong);
        }
        readGossip(ping.getKnownSuperNodesList());
        PresenceDigest d = digests.local();
        if (ping.getHaveDigestVersion() != d.version()) {
            pong.setDigest(d.toWire());
        }
        sample(known.address).forEach(pong::addKnownSuperNodes);
        return Envelope.newBuilder().setMeshPong(pong);
    }

    /** Takes a known peer's pushed digest; pushes from unknown addresses are ignored. */
    void onDigestUpdate(DigestUpdate update, PeerTable.@Nullable Peer known) {
        if (known != null && update.hasDigest()) {
            digests.accept(known, update.getDigest());
        }
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
}
