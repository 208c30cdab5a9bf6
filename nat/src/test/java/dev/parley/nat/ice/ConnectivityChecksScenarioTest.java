package dev.parley.nat.ice;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.nat.relay.RelayAllocation;
import dev.parley.nat.relay.RelayAllocationTable;
import dev.parley.nat.relay.UdpRelay;
import dev.parley.nat.sim.SimNetwork.NatKind;
import dev.parley.nat.sim.SimNetwork;
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
import org.junit.jupiter.api.Test;

/**
 * Two agents, one simulated network: public hosts, Linux-like NATs (EIM, symmetric, UDP blocked,
 * the conntrack quirk) and a super-node relay, all on virtual time in one JVM.
 */
class ConnectivityChecksScenarioTest {
    private final VirtualTime time = new VirtualTime();
    private final SimNetwork net = new SimNetwork(time, 10);
    private final SplittableRandom random = new SplittableRandom(8445);
    private final InetSocketAddress stun = stunServer();
    private final RelayAllocationTable relayTable = new RelayAllocationTable(time, new SplittableRandom(5766), RelayAllocationTable.Limits.DEFAULTS);
    private final InetSocketAddress relay = relayServer();
    private int nextNat = 31;

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

    /** One side of a call: socket, STUN client, candidates, checks. */
    private final class Agent {
        final SimNetwork.Socket socket;
        final SimNetwork.Nat nat;
        final StunClient stunClient;
        final IceCredentials credentials = IceCredentials.random(random);
        final List<Candidate> candidates = new ArrayList<>();
        ConnectivityChecks checks;

        Agent(String kind, boolean quirk) {
            if (kind.equals("public")) {
                nat = null;
                socket = net.publicSocket("10.99.0." + (20 + nextNat++), 5000);
            } else {
                int n = nextNat++;
                nat = net.nat("10.99.0." + (100 + n), NatKind.valueOf(kind), quirk);
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

        void prepare(boolean controlling, Agent peer, ConnectivityChecks.Config config) {
            checks = new ConnectivityChecks(socket, time, time, random.split(), controlling, credentials, peer.credentials, candidates, config);
            checks.addRemoteCandidates(peer.candidates);
        }
    }

    private record Outcome(CompletableFuture<CheckResult> caller, CompletableFuture<CheckResult> callee, Agent a, Agent b) {}

    private Outcome call(String callerKind, String calleeKind, boolean quirk, long calleeHeadStartMs, boolean withRelay) {
        Agent a = new Agent(callerKind, quirk);
        Agent b = new Agent(calleeKind, quirk);
        RelayAllocation alloc = null;
        if (withRelay) {
            try {
                alloc = relayTable.allocate("alice", "c1");
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        }
        a.gather(alloc == null ? null : alloc.callerToken(), alloc == null ? null : alloc.callerKey());
        b.gather(alloc == null ? null : alloc.calleeToken(), alloc == null ? null : alloc.calleeKey());
        a.prepare(true, b, ConnectivityChecks.Config.DEFAULTS);
        b.prepare(false, a, ConnectivityChecks.Config.DEFAULTS);
        CompletableFuture<CheckResult> fb = b.checks.start();
        time.advance(calleeHeadStartMs);
        CompletableFuture<CheckResult> fa = a.checks.start();
        time.runUntil(() -> fa.isDone() && fb.isDone(), 15_000);
        return new Outcome(fa, fb, a, b);
    }

    @Test
    void publicToPublicIsDirect() {
        Outcome o = call("public", "public", false, 0, true);
        assertThat(o.caller.join().path()).isEqualTo(PathKind.DIRECT);
        assertThat(o.callee.join().path()).isEqualTo(PathKind.DIRECT);
        assertThat(o.caller.join().setupMs()).isLessThan(200);
        // the host pair is the best possible pair, so the caller nominates it without waiting for better ones
        assertThat(o.caller.join().setupMs()).isLessThan(ConnectivityChecks.Config.DEFAULTS.nominationDelayMs());
    }

    @Test
    void calleeThatCheckedBeforeTheCallerWasReadySelectsWithoutWaitingForARetransmission() {
        // As in a call: the callee starts checking when it sends ACCEPT, 50 ms before the caller has
        // its answer and an agent to reply with, so the callee's first check goes unanswered. The
        // caller's checks and nomination must trigger the callee's checks at once, not after the
        // 100 ms retransmission timeout of that first check.
        Agent caller = new Agent("public", false);
        Agent callee = new Agent("public", false);
        caller.gather(null, null);
        callee.gather(null, null);
        callee.prepare(false, caller, ConnectivityChecks.Config.DEFAULTS);
        long calleeStart = time.millis();
        CompletableFuture<CheckResult> fb = callee.checks.start();
        time.advance(50);
        caller.prepare(true, callee, ConnectivityChecks.Config.DEFAULTS);
        long callerStart = time.millis();
        CompletableFuture<CheckResult> fa = caller.checks.start();
        time.runUntil(() -> fa.isDone() && fb.isDone(), 15_000);

        assertThat(fa.join().path()).isEqualTo(PathKind.DIRECT);
        assertThat(fb.join().path()).isEqualTo(PathKind.DIRECT);
        long callerSelectedAt = callerStart + fa.join().setupMs();
        long calleeSelectedAt = calleeStart + fb.join().setupMs();
        assertThat(calleeSelectedAt - callerSelectedAt).as("callee selects within one round trip (20 ms) of the caller")
                .isLessThanOrEqualTo(20);
    }

    @Test
    void publicCallerReachesACalleeBehindASymmetricNatDirectlyEvenWhenTheRelayAnswersFirst() {
        // Real order: the callee (symmetric NAT) checks before the caller's agent exists, so its first
        // checks are lost; the direct path then appears only as a peer-reflexive pair once a
        // retransmitted check gets through, while the relay pair may already have succeeded.
        Agent caller = new Agent("public", false);
        Agent callee = new Agent("SYMMETRIC", false);
        RelayAllocation alloc;
        try {
            alloc = relayTable.allocate("alice", "c1");
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        caller.gather(alloc.callerToken(), alloc.callerKey());
        callee.gather(alloc.calleeToken(), alloc.calleeKey());
        callee.prepare(false, caller, ConnectivityChecks.Config.DEFAULTS);
        CompletableFuture<CheckResult> fb = callee.checks.start();
        time.advance(120); // the callee's first check and first retransmission find no caller agent yet
        caller.prepare(true, callee, ConnectivityChecks.Config.DEFAULTS);
        CompletableFuture<CheckResult> fa = caller.checks.start();
        time.runUntil(() -> fa.isDone() && fb.isDone(), 15_000);

        assertThat(fa.join().path()).isEqualTo(PathKind.HOLE_PUNCHED);
        assertThat(fb.join().path()).isEqualTo(PathKind.HOLE_PUNCHED);
    }

    @Test
    void twoEndpointIndependentNatsHolePunch() {
        Outcome o = call("ENDPOINT_INDEPENDENT", "ENDPOINT_INDEPENDENT", false, 0, true);
        assertThat(o.caller.join().path()).isEqualTo(PathKind.HOLE_PUNCHED);
        assertThat(o.callee.join().path()).isEqualTo(PathKind.HOLE_PUNCHED);
        assertThat(o.caller.join().remoteAddress()).isEqualTo(o.b.candidates.get(1).address()); // B's srflx
        assertThat(o.caller.join().setupMs()).isLessThan(1_000);
    }

    @Test
    void publicToEndpointIndependentNatHolePunches() {
        Outcome o = call("public", "ENDPOINT_INDEPENDENT", false, 0, false);
        assertThat(o.caller.join().path()).isEqualTo(PathKind.HOLE_PUNCHED);
        assertThat(o.callee.join().path()).isEqualTo(PathKind.HOLE_PUNCHED);
    }

    @Test
    void symmetricToSymmetricGoesThroughTheRelay() {
        Outcome o = call("SYMMETRIC", "SYMMETRIC", false, 0, true);
        assertThat(o.caller.join().path()).isEqualTo(PathKind.RELAY_UDP);
        assertThat(o.callee.join().path()).isEqualTo(PathKind.RELAY_UDP);
        assertThat(o.caller.join().remoteAddress()).isEqualTo(relay);
        assertThat(o.caller.join().setupMs()).isLessThan(2_000);
    }

    @Test
    void endpointIndependentToSymmetricFallsBackToTheRelay() {
        Outcome o = call("ENDPOINT_INDEPENDENT", "SYMMETRIC", false, 0, true);
        assertThat(o.caller.join().path()).isIn(PathKind.HOLE_PUNCHED, PathKind.RELAY_UDP);
        assertThat(o.callee.join().path()).isEqualTo(o.caller.join().path());
    }

    @Test
    void symmetricToPublicHolePunchesThroughAPeerReflexiveCandidate() {
        Outcome o = call("SYMMETRIC", "public", false, 0, false);
        assertThat(o.caller.join().path()).isEqualTo(PathKind.HOLE_PUNCHED);
        assertThat(o.callee.join().path()).isEqualTo(PathKind.HOLE_PUNCHED);
        // the symmetric NAT gave the flow to B a port its STUN server never saw: B learned it from A's check
        Candidate seenByB = o.callee.join().selected().remote();
        assertThat(seenByB.type()).isEqualTo(CandidateType.PEER_REFLEXIVE);
        assertThat(seenByB.address()).isNotEqualTo(o.a.candidates.get(1).address());
    }

    @Test
    void staggeredStartThroughNatsThatDropUnsolicitedInputStillHolePunches() {
        // the callee starts 300 ms early: its first checks are dropped by A's NAT, retries get through
        Outcome o = call("ENDPOINT_INDEPENDENT", "ENDPOINT_INDEPENDENT", false, 300, true);
        assertThat(o.a.nat.filtered).isPositive();
        assertThat(o.caller.join().path()).isEqualTo(PathKind.HOLE_PUNCHED);
        assertThat(o.callee.join().path()).isEqualTo(PathKind.HOLE_PUNCHED);
    }

    @Test
    void conntrackQuirkWithSimultaneousStartHolePunches() {
        Outcome o = call("ENDPOINT_INDEPENDENT", "ENDPOINT_INDEPENDENT", true, 0, true);
        assertThat(o.caller.join().path()).isEqualTo(PathKind.HOLE_PUNCHED);
        assertThat(o.callee.join().path()).isEqualTo(PathKind.HOLE_PUNCHED);
    }

    @Test
    void conntrackQuirkWithStaggeredStartSurvivesThroughTheRelay() {
        // B's early checks leave stray conntrack entries on A's NAT, so A's flow to B gets another port, which
        // B's NAT (same quirk) refuses: no direct pair can work; the call must still connect, via the relay
        Outcome o = call("ENDPOINT_INDEPENDENT", "ENDPOINT_INDEPENDENT", true, 300, true);
        assertThat(o.a.nat.filtered).isPositive();
        assertThat(o.caller.join().path()).isEqualTo(PathKind.RELAY_UDP);
        assertThat(o.callee.join().path()).isEqualTo(PathKind.RELAY_UDP);
        assertThat(o.caller.join().setupMs()).isLessThan(2_000);
    }

    @Test
    void udpBlockedFailsAfterTheDeadlineSoTheCallerCanUseTcp() {
        Outcome o = call("UDP_BLOCKED", "public", false, 0, true);
        assertThat(o.caller).isCompletedExceptionally();
        assertThat(o.caller.exceptionNow()).isInstanceOf(IceFailedException.class).hasMessageContaining("no candidate pair succeeded");
        assertThat(o.callee).isCompletedExceptionally();
    }

    @Test
    void consentKeepsTheCallAliveAndReportsLossWhenThePeerGoesAway() {
        Outcome o = call("ENDPOINT_INDEPENDENT", "public", false, 0, false);
        assertThat(o.caller.join().path()).isEqualTo(PathKind.HOLE_PUNCHED);
        time.advance(120_000); // two minutes with consent checks every ~5 s: the NAT binding stays usable
        assertThat(o.a.checks.consentLost()).isNotDone();
        assertThat(o.b.checks.consentLost()).isNotDone();
        o.b.checks.close(); // B goes away: nothing answers on its socket any more
        long lostAt = time.nowMs();
        assertThat(time.runUntil(() -> o.a.checks.consentLost().isDone(), 60_000)).isTrue();
        assertThat(time.nowMs() - lostAt).isBetween(0L, 40_000L);
        assertThat(o.a.checks.consentLost().join()).contains("no consent response");
    }
}
