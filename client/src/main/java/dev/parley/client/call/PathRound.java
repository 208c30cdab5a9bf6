package dev.parley.client.call;

import dev.parley.client.media.MediaSocket;
import dev.parley.nat.ice.PathKind;
import dev.parley.protocol.Futures;
import dev.parley.protocol.HostPort;
import dev.parley.protocol.ProtocolException;
import dev.parley.protocol.wire.Address;
import dev.parley.protocol.wire.Candidate;
import dev.parley.protocol.wire.MediaDescription;
import dev.parley.protocol.wire.RelayAllocated;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One round of finding a call's media path (docs/nat.md), the same for call setup and for every
 * renegotiation after a path loss: relay allocation (the offerer) → candidate gathering on the
 * call's media socket (with the TCP relay link when UDP is blocked) → our media description →
 * connectivity checks against the peer's description (with the TCP fallback when every UDP pair
 * failed) → the selected path.
 *
 * <p>A round owns its ICE agent, relay allocation and TCP relay link, and releases them in
 * {@link #close()}; a closed round's late results are dropped, so a stale round can never move the
 * media. Confined to the call engine's thread; every callback runs there.
 */
final class PathRound {
    private static final Logger log = LoggerFactory.getLogger(PathRound.class);
    /** How long relay allocation and the TCP relay link may take, ms. */
    static final long RELAY_TIMEOUT_MS = 2000;

    /**
     * The path the checks selected.
     *
     * @param remote where media goes
     * @param path {@code direct}, {@code hole-punched}, {@code relay-udp} or {@code relay-tcp}
     * @param setupMs checks started → pair selected, ms
     */
    record Selected(InetSocketAddress remote, String path, long setupMs) {}

    /** What a round reports back to its call. */
    interface Events {
        void selected(Selected path);

        void failed(EndReason reason, String detail);

        void consentLost();
    }

    private final String callId;
    private final boolean offerer;
    private final CallSettings settings;
    private final NatTraversal nat;
    private final CallRuntime runtime;
    private final MediaSocket socket;
    private final long ssrc;
    private final IceAgent ice;
    private IceAgent.@Nullable Local local;
    private @Nullable RelayAllocated relay;
    private RelayService.@Nullable TcpRelayLink tcpRelay;
    private boolean closed;

    /**
     * @param offerer the caller: it allocates the relay and controls ICE
     * @param socket the call's media socket (the same for every round)
     * @param ssrc our RTP SSRC, for the media description
     */
    PathRound(String callId, boolean offerer, CallSettings settings, NatTraversal nat, CallRuntime runtime, MediaSocket socket,
            long ssrc) {
        this.ssrc = ssrc;
        this.callId = callId;
        this.offerer = offerer;
        this.settings = settings;
        this.nat = nat;
        this.runtime = runtime;
        this.socket = socket;
        this.ice = new IceAgent(socket, runtime.wallClock(), runtime.random(), offerer, nat.checks(), nat.relayOnly());
    }

    /**
     * Prepares our side: the offerer allocates a relay (none on failure or timeout) and offers it;
     * the answerer uses the relay in {@code peerOffer}. Then gathers and describes.
     *
     * @param peerOffer the peer's offer (answerer); none (offerer)
     * @param ready gets our media description, unless the round was closed meanwhile
     */
    void prepare(@Nullable MediaDescription peerOffer, Consumer<MediaDescription> ready) {
        if (!offerer) {
            InetSocketAddress offered = offeredRelay(peerOffer);
            gather(offered, offered == null ? null : RelayPass.offered(peerOffer), null, ready);
            return;
        }
        Timeouts.within(nat.relays().allocate(callId), RELAY_TIMEOUT_MS, runtime.scheduler())
                .handle((a, e) -> {
                    if (e != null) {
                        log.debug("call {}: no relay: {}", callId, e.toString());
                    }
                    return e == null ? a : null;
                })
                .thenAcceptAsync(alloc -> {
                    relay = alloc;
                    if (closed) {
                        release();
                        return;
                    }
                    InetSocketAddress at = alloc == null ? null : resolve(alloc.getRelay());
                    gather(at, alloc == null ? null : RelayPass.caller(alloc), alloc == null ? null : RelayPass.callee(alloc), ready);
                }, runtime.executor());
    }

    /** @return true if the offerer asked for a relay and got one */
    boolean hasRelay() {
        return relay != null;
    }

    private void gather(@Nullable InetSocketAddress relayAt, @Nullable RelayPass pass, @Nullable RelayPass passForPeer,
            Consumer<MediaDescription> ready) {
        ice.gather(settings.mediaHost(), stunServers(), relayAt, pass).thenAcceptAsync(l -> {
            local = l;
            if (closed) {
                return;
            }
            if (!l.udpBlocked()) {
                ready.accept(describe(passForPeer));
                return;
            }
            connectTcp(relayAt, pass).whenCompleteAsync((link, e) -> {
                if (e != null) {
                    log.warn("call {}: UDP blocked and the TCP relay failed: {}", callId, e.toString());
                }
                if (!closed) {
                    ready.accept(describe(passForPeer));
                }
            }, runtime.executor());
        }, runtime.executor());
    }

    private MediaDescription describe(@Nullable RelayPass passForPeer) {
        HostPort host = new HostPort(settings.mediaHost(), socket.localAddress().getPort());
        return WireCandidates.describe(MediaDescriptions.describe(ssrc, settings.bitrateKbps(), host).toBuilder(), local,
                passForPeer).build();
    }

    /**
     * Runs connectivity checks against the peer's description (its best candidate, unchecked, when
     * it offers no ICE) and reports the selected path, a failure, or later the loss of consent on it.
     */
    void connect(MediaDescription remote, Events events) {
        connect(remote, events, () -> { });
    }

    /**
     * As {@link #connect(MediaDescription, Events)}; the answerer sends its answer from {@code started},
     * so that the offerer's checks, which start on the answer, cannot reach our NAT before our first
     * checks have opened it (docs/nat.md, "The conntrack quirk").
     *
     * @param started runs on the call engine's thread once the checks have started (at once for a peer
     *     without ICE; never if its description is unusable), unless the round was closed meanwhile
     */
    void connect(MediaDescription remote, Events events, Runnable started) {
        if (remote.getIceUfrag().isEmpty()) { // a peer without ICE: its best candidate, unchecked
            started.run(); // no checks to wait for
            try {
                events.selected(new Selected(MediaDescriptions.remoteAddress(remote), PathKind.DIRECT.label(), 0));
            } catch (ProtocolException e) {
                events.failed(EndReason.REFUSED, "bad media description: " + e.getMessage());
            }
            return;
        }
        Runnable onStarted = () -> runtime.executor().execute(() -> {
            if (!closed) {
                started.run();
            }
        });
        try {
            ice.check(remote, onStarted).whenCompleteAsync((result, e) -> {
                if (closed) {
                    return;
                }
                if (e != null) {
                    if (!tcpFallback(remote, events)) {
                        events.failed(EndReason.NO_MEDIA_PATH, Futures.unwrap(e).getMessage());
                    }
                    return;
                }
                boolean tcp = local.udpBlocked() || remote.getUdpBlocked() || tcpRelay != null;
                String path = result.path() == PathKind.RELAY_UDP && tcp ? PathKind.RELAY_TCP.label() : result.path().label();
                log.info("call {}: {} via {} after {} ms ({} checks)", callId, path, result.remoteAddress(), result.setupMs(),
                        result.checksSent());
                events.selected(new Selected(result.remoteAddress(), path, result.setupMs()));
                ice.consentLost().thenRunAsync(() -> {
                    if (!closed) {
                        events.consentLost();
                    }
                }, runtime.executor());
            }, runtime.executor());
        } catch (ProtocolException e) { // refused: no answer goes out
            events.failed(EndReason.REFUSED, "bad media description: " + e.getMessage());
        }
    }

    /**
     * Every UDP pair failed, the relayed one included (UDP passes our firewall for STUN but not to
     * the relay, or the relay's UDP is filtered): when we have a relay and no TCP link to it yet,
     * opens one, routes everything for the relay over it and checks again (docs/nat.md "TCP
     * fallback"). The peer does the same when its checks fail.
     *
     * @return false when there is nothing to fall back to
     */
    private boolean tcpFallback(MediaDescription remote, Events events) {
        if (local == null || local.relay() == null || tcpRelay != null) {
            return false;
        }
        log.info("call {}: every UDP candidate pair failed; trying the TCP relay {}", callId, local.relay());
        connectTcp(local.relay(), local.relayPass()).whenCompleteAsync((link, e) -> {
            if (closed) {
                return;
            }
            if (e != null) {
                events.failed(EndReason.NO_MEDIA_PATH, "UDP checks failed and the TCP relay failed: " + e.getMessage());
            } else {
                connect(remote, events);
            }
        }, runtime.executor());
        return true;
    }

    /** Opens the TCP relay link and routes the relay's traffic over it; completes on any thread. */
    private CompletableFuture<RelayService.TcpRelayLink> connectTcp(InetSocketAddress relayAt, RelayPass pass) {
        HostPort at = new HostPort(relayAt.getAddress().getHostAddress(), relayAt.getPort());
        return Timeouts.within(nat.relays().connectTcp(at, pass.token(), pass.key(), socket::receiveFromTcpRelay), RELAY_TIMEOUT_MS,
                runtime.scheduler()).thenApplyAsync(link -> {
                    tcpRelay = link;
                    if (closed) {
                        link.close();
                        throw new IllegalStateException("round closed");
                    }
                    socket.useTcpRelay(relayAt, link::send);
                    return link;
                }, runtime.executor());
    }

    private List<InetSocketAddress> stunServers() {
        try {
            return nat.stunServers().get();
        } catch (RuntimeException e) {
            log.debug("no STUN servers: {}", e.toString());
            return List.of();
        }
    }

    /** Callee side: the relay the caller offered (its RELAYED candidate), if any. */
    static @Nullable InetSocketAddress offeredRelay(MediaDescription remote) {
        return remote.getRelayToken().isEmpty() ? null : remote.getCandidatesList().stream()
                .filter(c -> c.getType() == Candidate.Type.RELAYED)
                .map(c -> resolve(c.getAddress())).filter(a -> a != null).findFirst().orElse(null);
    }

    static @Nullable InetSocketAddress resolve(Address a) {
        try {
            return new InetSocketAddress(InetAddress.getByName(a.getHost()), a.getPort());
        } catch (UnknownHostException | IllegalArgumentException e) {
            return null;
        }
    }

    /** Stops the checks and releases the relay allocation and TCP relay link; later results are dropped. Idempotent. */
    void close() {
        if (closed) {
            return;
        }
        closed = true;
        ice.close();
        release();
    }

    private void release() {
        if (relay != null) {
            nat.relays().release(relay.getAllocationId());
            relay = null;
        }
        if (tcpRelay != null) {
            tcpRelay.close();
            tcpRelay = null;
        }
    }
}
