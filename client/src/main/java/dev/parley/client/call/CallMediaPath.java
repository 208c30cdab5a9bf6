package dev.parley.client.call;

import dev.parley.client.media.MediaSession;
import dev.parley.nat.ice.PathKind;
import dev.parley.protocol.HostPort;
import dev.parley.protocol.ProtocolException;
import dev.parley.protocol.wire.MediaDescription;
import dev.parley.protocol.wire.RelayAllocated;
import java.net.InetSocketAddress;
import java.time.InstantSource;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The media path of a call (docs/nat.md): relay allocation, candidate gathering, the TCP relay link
 * when UDP is blocked, the media description with the ICE offer, and the connectivity checks that
 * select where media goes. The signalling state machine ({@link CallEngine}) decides when; this
 * class does the work. Confined to the engine's loop; every callback runs there.
 */
final class CallMediaPath {
    private static final Logger log = LoggerFactory.getLogger(CallMediaPath.class);
    /** How long relay allocation and the TCP relay link may take. */
    static final long RELAY_ALLOCATE_TIMEOUT_MS = 2000;

    private final CallSettings settings;
    private final NatTraversal nat;
    private final ScheduledExecutorService loop;
    private final InstantSource clock;
    private final RandomGenerator random;

    CallMediaPath(CallSettings settings, NatTraversal nat, ScheduledExecutorService loop, InstantSource clock,
            RandomGenerator random) {
        this.settings = settings;
        this.nat = nat;
        this.loop = loop;
        this.clock = clock;
        this.random = random;
    }

    /** @return a new ICE agent on the call's media socket */
    IceAgent newAgent(Call call, boolean controlling) {
        return new IceAgent(call.media, clock, random, controlling, nat.checks(), nat.relayOnly());
    }

    /**
     * Caller side: asks the super node for a relay allocation (none on failure or timeout) and runs
     * {@code next} with it (or null) on the loop, unless the call ended meanwhile.
     */
    void allocateRelay(Call call, Consumer<RelayAllocated> next) {
        nat.relays().allocate(call.id).orTimeout(RELAY_ALLOCATE_TIMEOUT_MS, TimeUnit.MILLISECONDS)
                .handle((a, e) -> {
                    if (e != null) {
                        log.debug("call {}: no relay: {}", call.id, e.toString());
                    }
                    return e == null ? a : null;
                })
                .thenAcceptAsync(alloc -> {
                    call.relay = alloc;
                    if (call.ended()) {
                        release(call);
                        return;
                    }
                    next.accept(alloc);
                }, loop);
    }

    /** Callee side: the relay the caller offered (its RELAYED candidate), or null. */
    static InetSocketAddress offeredRelay(MediaDescription remote) {
        return remote.getRelayToken().isEmpty() ? null : remote.getCandidatesList().stream()
                .filter(c -> c.getType() == dev.parley.protocol.wire.Candidate.Type.RELAYED)
                .map(c -> resolve(c.getAddress())).filter(a -> a != null).findFirst().orElse(null);
    }

    /**
     * Gathers candidates (and opens the TCP relay link when UDP is blocked), then runs {@code next}
     * on the loop unless the call ended meanwhile.
     */
    void prepare(Call call, InetSocketAddress relay, byte[] token, Consumer<IceAgent.Local> next) {
        call.ice.gather(settings.mediaHost(), stunServers(), relay, token).thenAcceptAsync(local -> {
            call.local = local;
            if (call.ended()) {
                return;
            }
            if (!local.udpBlocked()) {
                next.accept(local);
                return;
            }
            nat.relays().connectTcp(HostPort.of(toAddress(relay)), token, call.media::receiveFromTcpRelay)
                    .orTimeout(RELAY_ALLOCATE_TIMEOUT_MS, TimeUnit.MILLISECONDS)
                    .whenCompleteAsync((link, e) -> {
                        if (e != null) {
                            log.warn("call {}: UDP blocked and the TCP relay failed: {}", call.id, e.toString());
                        } else {
                            call.tcpRelay = link;
                            if (call.ended()) {
                                link.close();
                                return;
                            }
                            call.media.useTcpRelay(relay, link::send);
                        }
                        if (!call.ended()) {
                            next.accept(local);
                        }
                    }, loop);
        }, loop);
    }

    /** @return our media description: codec, SSRC, host candidate and the ICE offer */
    MediaDescription describe(Call call, IceAgent.Local local, byte[] relayTokenForPeer) {
        return IceAgent.describe(MediaDescriptions.describe(call.media.ssrc(), settings.bitrateKbps(),
                mediaCandidate(call.media)).toBuilder(), local, relayTokenForPeer).build();
    }

    /**
     * Runs connectivity checks against the peer's candidates (the peer's best candidate, unchecked,
     * when it offers no ICE), records the path on {@code call} and reports the selected address;
     * all callbacks run on the loop.
     */
    void connect(Call call, Consumer<InetSocketAddress> onSelected, Consumer<String> onFailed, Runnable onConsentLost) {
        MediaDescription remote = call.remoteMedia;
        if (remote.getIceUfrag().isEmpty()) { // a peer without ICE: its best candidate, unchecked
            try {
                onSelected.accept(MediaDescriptions.remoteAddress(remote));
            } catch (ProtocolException e) {
                onFailed.accept("bad media description: " + e.getMessage());
            }
            return;
        }
        IceAgent agent = call.ice; // a later path renegotiation replaces it: its results are then stale
        try {
            agent.check(remote).whenCompleteAsync((result, e) -> {
                if (call.ended() || call.ice != agent) {
                    return;
                }
                if (e != null) {
                    Throwable cause = dev.parley.protocol.Futures.unwrap(e);
                    if (!tcpFallback(call, agent, () -> connect(call, onSelected, onFailed, onConsentLost), onFailed)) {
                        onFailed.accept("no media path: " + cause.getMessage());
                    }
                    return;
                }
                boolean tcp = call.local.udpBlocked() || remote.getUdpBlocked() || call.tcpRelay != null;
                call.path = result.path() == PathKind.RELAY_UDP && tcp ? PathKind.RELAY_TCP.label() : result.path().label();
                call.pathSetupMs = result.setupMs();
                log.info("call {}: {} via {} after {} ms ({} checks)", call.id, call.path, result.remoteAddress(),
                        result.setupMs(), result.checksSent());
                onSelected.accept(result.remoteAddress());
                agent.consentLost().thenRunAsync(() -> {
                    if (call.ice == agent && !call.ended()) {
                        onConsentLost.run();
                    }
                }, loop);
            }, loop);
        } catch (ProtocolException e) {
            onFailed.accept("bad media description: " + e.getMessage());
        }
    }

    /**
     * Every UDP pair failed, the relayed one included (UDP passes our firewall for STUN but not to
     * the relay, or the relay's UDP is filtered): when we have a relay and no TCP link to it yet,
     * opens one, routes everything for the relay over it and runs {@code checkAgain}
     * (docs/nat.md "TCP fallback"). The peer does the same when its checks fail.
     *
     * @return false when there is nothing to fall back to
     */
    private boolean tcpFallback(Call call, IceAgent agent, Runnable checkAgain, Consumer<String> onFailed) {
        IceAgent.Local local = call.local;
        if (local == null || local.relay() == null || call.tcpRelay != null) {
            return false;
        }
        log.info("call {}: every UDP candidate pair failed; trying the TCP relay {}", call.id, local.relay());
        nat.relays().connectTcp(HostPort.of(toAddress(local.relay())), local.relayToken(), call.media::receiveFromTcpRelay)
                .orTimeout(RELAY_ALLOCATE_TIMEOUT_MS, TimeUnit.MILLISECONDS)
                .whenCompleteAsync((link, e) -> {
                    if (call.ended() || call.ice != agent) {
                        if (link != null) {
                            link.close();
                        }
                        return;
                    }
                    if (e != null) {
                        onFailed.accept("no media path: UDP checks failed and the TCP relay failed: " + e.getMessage());
                        return;
                    }
                    call.tcpRelay = link;
                    call.media.useTcpRelay(local.relay(), link::send);
                    checkAgain.run();
                }, loop);
        return true;
    }

    private List<InetSocketAddress> stunServers() {
        try {
            return nat.stunServers().get();
        } catch (RuntimeException e) {
            log.debug("no STUN servers: {}", e.toString());
            return List.of();
        }
    }

    static InetSocketAddress resolve(dev.parley.protocol.wire.Address a) {
        try {
            return new InetSocketAddress(java.net.InetAddress.getByName(a.getHost()), a.getPort());
        } catch (java.net.UnknownHostException | IllegalArgumentException e) {
            return null;
        }
    }

    private static dev.parley.protocol.wire.Address toAddress(InetSocketAddress a) {
        return dev.parley.protocol.wire.Address.newBuilder().setHost(a.getAddress().getHostAddress()).setPort(a.getPort()).build();
    }

    /** Releases the call's relay allocation and TCP relay link, if any. */
    void release(Call call) {
        if (call.relay != null) {
            nat.relays().release(call.relay.getAllocationId());
            call.relay = null;
        }
        if (call.tcpRelay != null) {
            call.tcpRelay.close();
            call.tcpRelay = null;
        }
    }

    private HostPort mediaCandidate(MediaSession media) {
        return new HostPort(settings.mediaHost(), media.localAddress().getPort());
    }
}
