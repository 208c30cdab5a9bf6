package dev.parley.supernode;

import com.google.protobuf.ByteString;
import dev.parley.protocol.HostPort;
import dev.parley.protocol.SuperNodeCertificates;
import dev.parley.protocol.wire.SuperNodeCertificate;
import dev.parley.supernode.meshauth.MeshKeys;
import io.netty.util.NetUtil;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * The bounded table of peer super nodes this super node knows, with liveness and presence digests.
 *
 * <p>Every entry holds the peer's verified certificate ({@link PeerCertificates}): an address enters
 * the table only with a valid certificate naming it. Entries come from the login server's directory
 * (trusted as live until pings fail) or from gossip (live only once they answered a ping). A newer
 * certificate for the same address (a renewal) replaces the held one; an entry whose certificate
 * expired is dropped ({@link #dropExpired}). A peer is dead after {@code deadAfter} consecutive
 * missed pings and no longer searched; gossip entries are dropped after 2 × that many (unconfirmed
 * ones after 2). When the table is full a new entry replaces the worst gossip entry (unconfirmed
 * or most missed pings first), or is dropped: a flood of gossip cannot grow the table. A dead
 * peer still in the directory is only asked last ({@link #isSuspect}).
 *
 * <p>Only IP literals are accepted (no DNS lookups on an event loop; a garbage host name cannot
 * make the super node resolve it); unspecified, multicast and port-0 addresses are rejected.
 * Confined to the mesh event loop, except the {@link #knownSnapshot()}/{@link #liveSnapshot()} lists.
 */
final class PeerTable {
    /** One peer super node. Fields are mutated on the mesh loop only. */
    static final class Peer {
        final HostPort address;
        final InetSocketAddress socket;
        /** The peer's verified certificate (naming {@link #address}); replaced by newer ones. */
        SuperNodeCertificate certificate;
        /** {@link SuperNodeCertificates#keyId} of the certificate's node key. */
        ByteString keyId;
        boolean fromDirectory;
        boolean confirmed;
        int missed;
        long lastHeardMs;
        /** Round-robin position of the last ping (not a time). */
        long lastPingedMs;
        @Nullable PresenceDigest digest;
        /** When the peer last confirmed {@link #digest} as current (clock ms; see {@link DigestSync}). */
        long digestConfirmedMs;
        /** Messages that will still carry this certificate as news ({@link #gossipRetransmits}); mesh loop only. */
        int gossipLeft;

        Peer(HostPort address, InetSocketAddress socket, SuperNodeCertificate certificate) {
            this.address = address;
            this.socket = socket;
            this.certificate = certificate;
            this.keyId = keyIdOf(certificate);
        }

        @Override
        public String toString() {
            return address + (confirmed ? "" : "?") + (missed > 0 ? " missed=" + missed : "");
        }
    }

    private final HostPort self;
    private final int maxPeers;
    private final int deadAfter;
    private final LinkedHashMap<HostPort, Peer> peers = new LinkedHashMap<>();
    private final Map<InetSocketAddress, Peer> bySocket = new HashMap<>();
    private final Map<ByteString, Peer> byKeyId = new HashMap<>();
    private volatile List<HostPort> knownSnapshot = List.of();
    private volatile List<HostPort> liveSnapshot = List.of();
    /** {@link #live()} as of the last change (cleared when something changed); loop only. */
    private Peer @Nullable [] live;

    /**
     * @param self this super node (never added)
     * @param maxPeers table bound
     * @param deadAfter consecutive missed pings after which a peer is dead
     */
    PeerTable(HostPort self, int maxPeers, int deadAfter) {
        this.self = self;
        this.maxPeers = maxPeers;
        this.deadAfter = deadAfter;
    }

    /**
     * Validates an address learned from the network.
     *
     * @return the address if it is an IP literal (not unspecified or multicast) with a port in
     *     1..65535 and not this super node
     */
    Optional<HostPort> valid(HostPort candidate) {
        if (candidate.port() < 1 || candidate.host().length() > 45 || candidate.equals(self)) {
            return Optional.empty();
        }
        byte[] ip = NetUtil.createByteArrayFromIpAddressString(candidate.host());
        if (ip == null) {
            return Optional.empty();
        }
        try {
            InetAddress a = InetAddress.getByAddress(ip);
            if (a.isAnyLocalAddress() || a.isMulticastAddress()) {
                return Optional.empty();
            }
        } catch (UnknownHostException e) {
            return Optional.empty();
        }
        return Optional.of(candidate);
    }

    /**
     * Replaces the directory's view: listed peers are added or marked as directory entries.
     *
     * @param directory the directory's verified certificates
     */
    void onDirectory(Collection<PeerCertificates.Verified> directory) {
        for (Peer p : peers.values()) {
            p.fromDirectory = false;
        }
        live = null;
        for (PeerCertificates.Verified v : directory) {
            valid(v.address()).ifPresent(a -> {
                Peer p = peers.get(a);
                if (p == null) {
                    p = insert(a, true, v.certificate());
                } else {
                    refresh(p, v.certificate());
                }
                if (p != null) {
                    p.fromDirectory = true;
                }
            });
        }
        publish();
    }

    /**
     * Adds a gossiped peer if its address is valid, new and there is room, or takes a newer
     * certificate for a known one.
     *
     * @param v a verified certificate
     * @return true if added
     */
    boolean addGossip(PeerCertificates.Verified v) {
        Peer known = peers.get(v.address());
        if (known != null) {
            refresh(known, v.certificate());
            return false; // the common case, and cheaper than validating: known entries were valid
        }
        Optional<HostPort> a = valid(v.address());
        return a.isPresent() && insert(a.get(), false, v.certificate()) != null;
    }

    /** Keeps the newer of the held and the offered certificate (renewals, a re-keyed super node). */
    private void refresh(Peer p, SuperNodeCertificate offered) {
        if (offered.getIssuedAtMs() <= p.certificate.getIssuedAtMs() || offered.equals(p.certificate)) {
            return;
        }
        if (byKeyId.get(p.keyId) == p) {
            byKeyId.remove(p.keyId);
        }
        p.certificate = offered;
        p.keyId = keyIdOf(offered);
        byKeyId.put(p.keyId, p);
        p.gossipLeft = gossipRetransmits(peers.size());
    }

    /** Drops the entries whose certificate {@code expired} says has expired. */
    void dropExpired(Predicate<SuperNodeCertificate> expired) {
        for (Peer p : new ArrayList<>(peers.values())) {
            if (expired.test(p.certificate)) {
                remove(p);
            }
        }
    }

    private @Nullable Peer insert(HostPort address, boolean directory, SuperNodeCertificate certificate) {
        if (peers.size() >= maxPeers && !evictOne(directory)) {
            return null;
        }
        InetSocketAddress socket = socketOf(address);
        if (socket == null) {
            return null;
        }
        Peer p = new Peer(address, socket, certificate);
        p.fromDirectory = directory;
        peers.put(address, p);
        bySocket.put(socket, p);
        byKeyId.put(p.keyId, p);
        p.gossipLeft = gossipRetransmits(peers.size());
        live = null;
        return p;
    }

    /**
     * @param tableSize entries in the table
     * @return how many gossip messages carry a new or renewed certificate as news: 3·⌈log2(size + 2)⌉
     *     (21 at 100 entries), as SWIM and memberlist retransmit an update O(log N) times, enough to
     *     reach the whole mesh epidemically
     */
    static int gossipRetransmits(int tableSize) {
        return 3 * (32 - Integer.numberOfLeadingZeros(tableSize + 1));
    }

    private static ByteString keyIdOf(SuperNodeCertificate c) {
        return ByteString.copyFrom(SuperNodeCertificates.keyId(c.getNodeKey().toByteArray()));
    }

    /** @return the entry whose certificate's node key has this {@link SuperNodeCertificates#keyId}, if any */
    @Nullable Peer byKeyId(ByteString keyId) {
        return byKeyId.get(keyId);
    }

    /**
     * @return the UDP address of a validated peer address (an IP literal: parsed, never resolved),
     *     if it is one
     */
    static @Nullable InetSocketAddress socketOf(HostPort address) {
        return MeshKeys.socketOf(address); // the one parser of certified addresses
    }

    /** Evicts the worst gossip entry; for a directory entry also a confirmed one. */
    private boolean evictOne(boolean forDirectory) {
        Peer worst = null;
        for (Peer p : peers.values()) {
            if (p.fromDirectory || (p.confirmed && p.missed == 0 && !forDirectory)) {
                continue;
            }
            if (worst == null || rank(p) < rank(worst)) {
                worst = p;
            }
        }
        if (worst == null) {
            return false;
        }
        remove(worst);
        return true;
    }

    private static int rank(Peer p) {
        return (p.confirmed ? 1000 : 0) - p.missed;
    }

    private void remove(Peer p) {
        peers.remove(p.address);
        bySocket.remove(p.socket);
        if (byKeyId.get(p.keyId) == p) {
            byKeyId.remove(p.keyId);
        }
        live = null;
    }

    /** Records an answered ping. */
    void onAnswer(Peer p, long nowMs) {
        if (!p.confirmed || p.missed > 0) {
            live = null;
        }
        p.confirmed = true;
        p.missed = 0;
        p.lastHeardMs = nowMs;
    }

    /** Records a missed ping; may drop the entry. */
    void onMissed(Peer p) {
        p.missed++;
        live = null;
        boolean drop = !p.fromDirectory && (p.confirmed ? p.missed >= 2 * deadAfter : p.missed >= 2);
        if (drop) {
            remove(p);
        }
    }

    /**
     * Counts {@code p} as dead at once (it missed a probe after news of its death, see
     * {@link DeathWatch}): searches ask it last, if at all. Its next answer makes it live again.
     */
    void markDead(Peer p) {
        if (p.missed < deadAfter) {
            p.missed = deadAfter;
            live = null;
        }
    }

    /** @return whether a search may ask {@code p} first: not suspected dead */
    boolean isLive(Peer p) {
        return p.missed < deadAfter && (p.confirmed || p.fromDirectory);
    }

    /**
     * @return whether a search may still ask {@code p}, last: suspected (missed pings, e.g. because
     *     this super node is itself overloaded) but still in the login server's directory, or a
     *     gossip peer not yet given up on (2 × deadAfter misses)
     */
    boolean isSuspect(Peer p) {
        // The login server's directory is the authority on directory peers (it drops a super node
        // whose heartbeats stop): missed pings only demote them, as they may be this node's own lag.
        return p.missed >= deadAfter && (p.fromDirectory || p.confirmed && p.missed < 2 * deadAfter);
    }

    /** @return the suspected entries (a copy), see {@link #isSuspect} */
    List<Peer> suspects() {
        List<Peer> out = new ArrayList<>();
        for (Peer p : peers.values()) {
            if (isSuspect(p)) {
                out.add(p);
            }
        }
        return out;
    }

    /** @return the entry whose UDP address is {@code socket}, if any */
    @Nullable Peer bySocket(InetSocketAddress socket) {
        return bySocket.get(socket);
    }

    /** @return the entry for {@code address}, if any */
    @Nullable Peer get(HostPort address) {
        return peers.get(address);
    }

    /** @return every entry (a copy) */
    List<Peer> all() {
        return new ArrayList<>(peers.values());
    }

    /**
     * @return the live entries (a copy; computed once per change of the table, as every search and
     *     every ping asks for it)
     */
    List<Peer> live() {
        if (live == null) {
            List<Peer> fresh = new ArrayList<>(peers.size());
            for (Peer p : peers.values()) {
                if (isLive(p)) {
                    fresh.add(p);
                }
            }
            live = fresh.toArray(Peer[]::new);
        }
        return new ArrayList<>(Arrays.asList(live));
    }

    int size() {
        return peers.size();
    }

    /** Publishes the thread-safe snapshots; call after a batch of changes. */
    void publish() {
        knownSnapshot = List.copyOf(peers.keySet());
        liveSnapshot = live().stream().map(p -> p.address).toList();
    }

    /** @return every known peer address (as of the last {@link #publish()}); any thread */
    List<HostPort> knownSnapshot() {
        return knownSnapshot;
    }

    /** @return the live peer addresses (as of the last {@link #publish()}); any thread */
    List<HostPort> liveSnapshot() {
        return liveSnapshot;
    }
}
