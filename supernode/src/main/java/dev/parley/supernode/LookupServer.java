package dev.parley.supernode;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.parley.protocol.ProtocolException;
import dev.parley.protocol.Usernames;
import dev.parley.protocol.wire.Envelope;
import dev.parley.protocol.wire.Error;
import dev.parley.protocol.wire.PeerLookupResult;
import dev.parley.protocol.wire.PresenceChanged;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.InstantSource;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The peer side of searches on the mesh: answers known peers' {@code PeerLookup}s from local
 * presence, and keeps their cached answers honest.
 *
 * <p>Invalidation, out: a peer that asked about a user is remembered for the cache TTL (at most
 * {@value #MAX_INTERESTED} peers per user); when that user's presence changes here, each such peer
 * gets a {@code PresenceChanged} push (best effort; the TTL bounds staleness if it is lost). In: a
 * known peer's {@code PresenceChanged} is passed to the remote listeners (the search caches).
 *
 * <p>Only known peers reach this class ({@link Mesh} checks the source address), so a spoofed
 * datagram cannot use this super node as a reflector. Confined to the mesh event loop, except
 * {@link #lookupsServed()} and {@link #addRemoteListener}.
 */
final class LookupServer {
    private static final Logger log = LoggerFactory.getLogger(LookupServer.class);
    /** Most peers remembered as interested in one user. */
    static final int MAX_INTERESTED = 32;
    private static final int MAX_USERS = 1_000_000;

    private final MeshTransport transport;
    private final PresenceIndex presence;
    private final Supplier<PresenceDigest> digest;
    private final Cache<String, Map<InetSocketAddress, Long>> interested;
    // Registered while the super node is wired up; told on the mesh loop.
    private final List<PresenceListener> remoteListeners = new CopyOnWriteArrayList<>();
    private final LongAdder lookupsServed = new LongAdder();

    /**
     * @param transport where {@code PresenceChanged} pushes go
     * @param presence local presence, which answers lookups
     * @param digest the current local digest, whose version each answer names
     * @param clock time of the interest cache's expiry
     * @param interestTtl how long a peer's lookup is remembered for invalidation
     */
    LookupServer(MeshTransport transport, PresenceIndex presence, Supplier<PresenceDigest> digest, InstantSource clock,
            Duration interestTtl) {
        this.transport = transport;
        this.presence = presence;
        this.digest = digest;
        this.interested = Caffeine.newBuilder().expireAfterWrite(interestTtl).maximumSize(MAX_USERS)
                .ticker(LocatorCaches.ticker(clock)).executor(Runnable::run).build();
    }

    /** Registers a listener told (on the mesh loop) when a known peer reports a {@code PresenceChanged}. */
    void addRemoteListener(PresenceListener listener) {
        remoteListeners.add(listener);
    }

    /** @return lookups answered for peers so far (any thread) */
    long lookupsServed() {
        return lookupsServed.sum();
    }

    /**
     * Answers a known peer's lookup.
     *
     * @param rawName the username as sent
     * @param sender the peer's UDP address, remembered as interested in the user
     * @return {@code PeerLookupResult} naming the local digest's version, or {@code Error} for an invalid name
     */
    Envelope.Builder lookup(String rawName, InetSocketAddress sender) {
        String username;
        try {
            username = Usernames.canonical(rawName);
        } catch (ProtocolException e) {
            return Envelope.newBuilder().setError(Error.newBuilder().setCode(e.code()).setMessage(e.getMessage()));
        }
        lookupsServed.increment();
        Map<InetSocketAddress, Long> peers = interested.get(username, u -> new HashMap<>());
        // Version before presence: PresenceIndex bumps it after each change, so a lookup that missed a
        // change always records an older version and is notified of it (see presenceChanged).
        long seen = presence.version();
        List<Session> devices = presence.devices(username);
        Session local = devices.isEmpty() ? null : devices.get(devices.size() - 1);
        if (peers.size() < MAX_INTERESTED || peers.containsKey(sender)) {
            peers.put(sender, seen);
        }
        interested.put(username, peers); // restarts the TTL: the asker caches from now
        PeerLookupResult.Builder result = PeerLookupResult.newBuilder().setFound(local != null)
                .setDigestVersion(digest.get().version());
        if (local != null) {
            result.setRecord(local.record()).addAllDevices(Location.otherRecords(devices));
        }
        return Envelope.newBuilder().setPeerLookupResult(result);
    }

    /**
     * Tells the peers interested in {@code username} that its presence changed here. Peers whose
     * lookup was answered at presence version {@code version} or later already saw the change.
     *
     * @param version {@link PresenceIndex#version()} after the change
     */
    void presenceChanged(String username, long version) {
        Map<InetSocketAddress, Long> peers = interested.getIfPresent(username);
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
    }

    /** A known peer says a user's presence changed there: the remote listeners drop what they cached. */
    void onPresenceChanged(PresenceChanged changed, PeerTable.Peer from) {
        try {
            String username = Usernames.canonical(changed.getUsername());
            remoteListeners.forEach(l -> l.presenceChanged(username));
        } catch (ProtocolException e) {
            log.debug("{}: PresenceChanged for an invalid name", from.address);
        }
    }
}
