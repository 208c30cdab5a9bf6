package dev.parley.nat.ice;

import dev.parley.nat.relay.RelayAllocation;
import dev.parley.nat.relay.RelayAllocationTable;
import dev.parley.nat.relay.RelayQuotaException;
import dev.parley.nat.relay.UdpRelay;
import dev.parley.nat.sim.SimNetwork;
import dev.parley.nat.sim.SimNetwork.NatKind;
import dev.parley.nat.sim.VirtualTime;
import dev.parley.nat.stun.StunAttribute;
import dev.parley.nat.stun.StunBindingResponder;
import dev.parley.nat.stun.StunClient;
import dev.parley.nat.stun.StunMessage;
import dev.parley.nat.stun.StunResponse;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;

/**
 * Two ICE agents on one simulated network (virtual time, seeded randomness): a STUN server, a
 * super-node relay, public hosts and Linux-like NATs. Shared by the scenario tests.
 */
final class IceSim {
    final VirtualTime time = new VirtualTime();
    final SimNetwork net;
    final SplittableRandom random = new SplittableRandom(8445);
    final RelayAllocationTable relayTable = new RelayAllocationTable(time, new SplittableRandom(5766), RelayAllocationTable.Limits.DEFAULTS);
    final InetSocketAddress stun;
    final InetSocketAddress relay;
    private final int upstreamRouters;
    private int nextNat = 31;

    /** Sockets can limit the TTL (Linux); NATs sit straight on the public core. */
    IceSim() {
        this(true, 0);
    }

    /**
     * @param ttlOption sockets can send with a limited TTL (false: as on systems without the option)
     * @param upstreamRouters routers between each NAT and the public core (an ISP's router: 1)
     */
    IceSim(boolean ttlOption, int upstreamRouters) {
        this.net = new SimNetwork(time, 10, ttlOption);
        this.upstreamRouters = upstreamRouters;
        this.stun = stunServer();
        this.relay = relayServer();
    }

    private InetSocketAddress stunServer() {
        SimNetwork.Socket s = net.publicSocket("10.99.0.11", 3478);
        StunBindingResponder responder = new StunBindingResponder("sim");
        s.addHandler((from, p) -> responder.respond(p, from).map(r -> {
            s.send(from, r);
            return true;
        }).orElse(false));
        return s.localAddress();
    }

    private InetSocketAddress relayServer() {
        SimNetwork.Socket s = net.publicSocket("10.99.0.12", 3479);
        s.addHandler(new UdpRelay(s, relayTable));
        return s.localAddress();
    }

    RelayAllocation allocateRelay() {
        try {
            return relayTable.allocate("alice", "c" + nextNat);
        } catch (RelayQuotaException e) {
            throw new AssertionError(e);
        }
    }

    /** One side of a call: socket, STUN client, candidates, checks. */
    final class Agent {
        final SimNetwork.Socket socket;
        final SimNetwork.Nat nat;
        final StunClient stunClient;
        final IceCredentials credentials = IceCredentials.random(random);
        final List<Candidate> candidates = new ArrayList<>();
        ConnectivityChecks checks;

        /** @param kind "public" or a {@link NatKind} name */
        Agent(String kind, boolean quirk) {
            if (kind.equals("public")) {
                nat = null;
                socket = net.publicSocket("10.99.0." + (20 + nextNat++), 5000);
            } else {
                int n = nextNat++;
                nat = net.nat("10.99.0." + (100 + n), NatKind.valueOf(kind), quirk, upstreamRouters);
                socket = net.privateSocket(nat, "192.168." + n + ".2", 5000);
            }
            stunClient = new StunClient(socket, time, time, random.split(), new StunClient.Timing(100, 4, 8));
            candidates.add(Candidate.of(CandidateType.HOST, socket.localAddress()));
        }

        /** Gathers srflx (STUN) and, with a token and key, the relayed candidate (relay bind). */
        void gather(byte[] relayToken, byte[] relayKey) {
            socket.addHandler((from, p) -> checks != null && checks.onDatagram(from, p));
            socket.addHandler(stunClient);
            CompletableFuture<StunResponse> srflx = stunClient.binding(stun);
            CompletableFuture<StunResponse> bind = relayToken == null ? CompletableFuture.completedFuture(null)
                    : stunClient.request(relay, StunMessage.bindingRequest(stunClient.newTransactionId(),
                            new StunAttribute.RelayToken(relayToken)), UdpRelay.bindSeal(relayKey), null);
            time.runUntil(() -> srflx.isDone() && bind.isDone(), 5_000);
            if (!srflx.isCompletedExceptionally()) {
                InetSocketAddress mapped = srflx.join().mappedAddress().orElseThrow();
                if (!mapped.equals(socket.localAddress())) {
                    candidates.add(Candidate.of(CandidateType.SERVER_REFLEXIVE, mapped));
                }
            }
            if (relayToken != null && !bind.isCompletedExceptionally() && bind.join().isSuccess()) {
                candidates.add(Candidate.of(CandidateType.RELAYED, relay));
            }
        }

        void prepare(boolean controlling, Agent peer, CheckConfig config) {
            checks = new ConnectivityChecks(socket, time, time, random.split(), controlling, credentials, peer.credentials, candidates, config);
            checks.addRemoteCandidates(peer.candidates);
        }
    }

    record Outcome(CompletableFuture<CheckResult> caller, CompletableFuture<CheckResult> callee, Agent a, Agent b) {}

    /** A call with the default check configuration. */
    Outcome call(String callerKind, String calleeKind, boolean quirk, long calleeHeadStartMs, boolean withRelay) {
        return call(callerKind, calleeKind, quirk, calleeHeadStartMs, withRelay, CheckConfig.DEFAULTS);
    }

    /**
     * Both agents gather, then the callee (controlled) starts checking {@code calleeHeadStartMs}
     * before the caller (controlling), as in a call where the callee starts as it answers.
     */
    Outcome call(String callerKind, String calleeKind, boolean quirk, long calleeHeadStartMs, boolean withRelay,
            CheckConfig config) {
        Agent a = new Agent(callerKind, quirk);
        Agent b = new Agent(calleeKind, quirk);
        RelayAllocation alloc = withRelay ? allocateRelay() : null;
        a.gather(alloc == null ? null : alloc.callerToken(), alloc == null ? null : alloc.callerKey());
        b.gather(alloc == null ? null : alloc.calleeToken(), alloc == null ? null : alloc.calleeKey());
        a.prepare(true, b, config);
        b.prepare(false, a, config);
        CompletableFuture<CheckResult> fb = b.checks.start();
        time.advance(calleeHeadStartMs);
        CompletableFuture<CheckResult> fa = a.checks.start();
        time.runUntil(() -> fa.isDone() && fb.isDone(), 15_000);
        return new Outcome(fa, fb, a, b);
    }
}
