package dev.parley.nat.ice;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.nat.ice.IceSim.Agent;
import dev.parley.nat.ice.IceSim.Outcome;
import dev.parley.nat.relay.RelayAllocation;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * Two agents, one simulated network ({@link IceSim}): public hosts, Linux-like NATs (EIM, symmetric,
 * UDP blocked) and a super-node relay, all on virtual time in one JVM. The conntrack quirk has its
 * own {@link ConntrackQuirkScenarioTest}.
 */
class ConnectivityChecksScenarioTest {
    private final IceSim sim = new IceSim();

    private Outcome call(String callerKind, String calleeKind, boolean quirk, long calleeHeadStartMs, boolean withRelay) {
        return sim.call(callerKind, calleeKind, quirk, calleeHeadStartMs, withRelay);
    }

    @Test
    void publicToPublicIsDirect() {
        Outcome o = call("public", "public", false, 0, true);
        assertThat(o.caller().join().path()).isEqualTo(PathKind.DIRECT);
        assertThat(o.callee().join().path()).isEqualTo(PathKind.DIRECT);
        assertThat(o.caller().join().setupMs()).isLessThan(200);
        // the host pair is the best possible pair, so the caller nominates it without waiting for better ones
        assertThat(o.caller().join().setupMs()).isLessThan(CheckConfig.DEFAULTS.nominationDelayMs());
    }

    @Test
    void calleeThatCheckedBeforeTheCallerWasReadySelectsWithoutWaitingForARetransmission() {
        // As in a call: the callee starts checking when it sends ACCEPT, 50 ms before the caller has
        // its answer and an agent to reply with, so the callee's first check goes unanswered. The
        // caller's checks and nomination must trigger the callee's checks at once, not after the
        // 100 ms retransmission timeout of that first check.
        Agent caller = sim.new Agent("public", false);
        Agent callee = sim.new Agent("public", false);
        caller.gather(null, null);
        callee.gather(null, null);
        callee.prepare(false, caller, CheckConfig.DEFAULTS);
        long calleeStart = sim.time.millis();
        CompletableFuture<CheckResult> fb = callee.checks.start();
        sim.time.advance(50);
        caller.prepare(true, callee, CheckConfig.DEFAULTS);
        long callerStart = sim.time.millis();
        CompletableFuture<CheckResult> fa = caller.checks.start();
        sim.time.runUntil(() -> fa.isDone() && fb.isDone(), 15_000);

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
        Agent caller = sim.new Agent("public", false);
        Agent callee = sim.new Agent("SYMMETRIC", false);
        RelayAllocation alloc = sim.allocateRelay();
        caller.gather(alloc.callerToken(), alloc.callerKey());
        callee.gather(alloc.calleeToken(), alloc.calleeKey());
        callee.prepare(false, caller, CheckConfig.DEFAULTS);
        CompletableFuture<CheckResult> fb = callee.checks.start();
        sim.time.advance(120); // the callee's first check and first retransmission find no caller agent yet
        caller.prepare(true, callee, CheckConfig.DEFAULTS);
        CompletableFuture<CheckResult> fa = caller.checks.start();
        sim.time.runUntil(() -> fa.isDone() && fb.isDone(), 15_000);

        assertThat(fa.join().path()).isEqualTo(PathKind.HOLE_PUNCHED);
        assertThat(fb.join().path()).isEqualTo(PathKind.HOLE_PUNCHED);
    }

    @Test
    void twoEndpointIndependentNatsHolePunch() {
        Outcome o = call("ENDPOINT_INDEPENDENT", "ENDPOINT_INDEPENDENT", false, 0, true);
        assertThat(o.caller().join().path()).isEqualTo(PathKind.HOLE_PUNCHED);
        assertThat(o.callee().join().path()).isEqualTo(PathKind.HOLE_PUNCHED);
        assertThat(o.caller().join().remoteAddress()).isEqualTo(o.b().candidates.get(1).address()); // B's srflx
        assertThat(o.caller().join().setupMs()).isLessThan(1_000);
    }

    @Test
    void publicToEndpointIndependentNatHolePunches() {
        Outcome o = call("public", "ENDPOINT_INDEPENDENT", false, 0, false);
        assertThat(o.caller().join().path()).isEqualTo(PathKind.HOLE_PUNCHED);
        assertThat(o.callee().join().path()).isEqualTo(PathKind.HOLE_PUNCHED);
    }

    @Test
    void symmetricToSymmetricGoesThroughTheRelay() {
        Outcome o = call("SYMMETRIC", "SYMMETRIC", false, 0, true);
        assertThat(o.caller().join().path()).isEqualTo(PathKind.RELAY_UDP);
        assertThat(o.callee().join().path()).isEqualTo(PathKind.RELAY_UDP);
        assertThat(o.caller().join().remoteAddress()).isEqualTo(sim.relay);
        assertThat(o.caller().join().setupMs()).isLessThan(2_000);
    }

    @Test
    void endpointIndependentToSymmetricFallsBackToTheRelay() {
        Outcome o = call("ENDPOINT_INDEPENDENT", "SYMMETRIC", false, 0, true);
        assertThat(o.caller().join().path()).isIn(PathKind.HOLE_PUNCHED, PathKind.RELAY_UDP);
        assertThat(o.callee().join().path()).isEqualTo(o.caller().join().path());
    }

    @Test
    void symmetricToPublicHolePunchesThroughAPeerReflexiveCandidate() {
        Outcome o = call("SYMMETRIC", "public", false, 0, false);
        assertThat(o.caller().join().path()).isEqualTo(PathKind.HOLE_PUNCHED);
        assertThat(o.callee().join().path()).isEqualTo(PathKind.HOLE_PUNCHED);
        // the symmetric NAT gave the flow to B a port its STUN server never saw: B learned it from A's check
        Candidate seenByB = o.callee().join().selected().remote();
        assertThat(seenByB.type()).isEqualTo(CandidateType.PEER_REFLEXIVE);
        assertThat(seenByB.address()).isNotEqualTo(o.a().candidates.get(1).address());
    }

    @Test
    void udpBlockedFailsAfterTheDeadlineSoTheCallerCanUseTcp() {
        Outcome o = call("UDP_BLOCKED", "public", false, 0, true);
        assertThat(o.caller()).isCompletedExceptionally();
        assertThat(o.caller().exceptionNow()).isInstanceOf(IceFailedException.class).hasMessageContaining("no candidate pair succeeded");
        assertThat(o.callee()).isCompletedExceptionally();
    }

    @Test
    void consentKeepsTheCallAliveAndReportsLossWhenThePeerGoesAway() {
        Outcome o = call("ENDPOINT_INDEPENDENT", "public", false, 0, false);
        assertThat(o.caller().join().path()).isEqualTo(PathKind.HOLE_PUNCHED);
        sim.time.advance(120_000); // two minutes with consent checks every ~5 s: the NAT binding stays usable
        assertThat(o.a().checks.consentLost()).isNotDone();
        assertThat(o.b().checks.consentLost()).isNotDone();
        o.b().checks.close(); // B goes away: nothing answers on its socket any more
        long lostAt = sim.time.nowMs();
        assertThat(sim.time.runUntil(() -> o.a().checks.consentLost().isDone(), 60_000)).isTrue();
        assertThat(sim.time.nowMs() - lostAt).isBetween(0L, 40_000L);
        assertThat(o.a().checks.consentLost().join()).contains("no consent response");
    }
}
