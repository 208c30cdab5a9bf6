package dev.parley.nat.ice;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.nat.ice.IceSim.Outcome;
import dev.parley.nat.stun.StunClient;
import org.junit.jupiter.api.Test;

/**
 * Hole punching between Linux NATs (docs/nat.md, "The conntrack quirk") on the simulated network:
 * a NAT router that accepts unsolicited input keeps a conntrack entry for an early check from the
 * peer, which remaps its host's later flow to that peer. The callee (controlled) starts 300 ms
 * before the caller, as in a call. Its first checks to a NATed peer leave with a low TTL, which
 * only helps when routers lie between the NATs ({@code upstreamRouters}: one "ISP" router in front
 * of each NAT, as in the lab's {@code eimacc} kind) and the socket can limit the TTL.
 */
class ConntrackQuirkScenarioTest {
    private static final String EIM = "ENDPOINT_INDEPENDENT";
    private static final long CALLEE_HEAD_START_MS = 300;

    @Test
    void staggeredStartThroughNatsThatDropUnsolicitedInputStillHolePunches() {
        // the callee starts 300 ms early: its first checks are dropped by A's NAT, retries get through
        Outcome o = new IceSim().call(EIM, EIM, false, CALLEE_HEAD_START_MS, true);
        assertThat(o.a().nat.filtered).isPositive();
        assertThat(o.caller().join().path()).isEqualTo(PathKind.HOLE_PUNCHED);
        assertThat(o.callee().join().path()).isEqualTo(PathKind.HOLE_PUNCHED);
    }

    @Test
    void conntrackQuirkWithSimultaneousStartHolePunches() {
        // (with no router between the NATs, only packets that cross in flight would punch: see below)
        Outcome o = new IceSim(true, 1).call(EIM, EIM, true, 0, true);
        assertThat(o.caller().join().path()).isEqualTo(PathKind.HOLE_PUNCHED);
        assertThat(o.callee().join().path()).isEqualTo(PathKind.HOLE_PUNCHED);
    }

    @Test
    void conntrackQuirkWithStaggeredStartHolePunchesWithLowTtlChecks() {
        IceSim sim = new IceSim(true, 1);
        Outcome o = sim.call(EIM, EIM, true, CALLEE_HEAD_START_MS, true);

        assertThat(o.caller().join().path()).isEqualTo(PathKind.HOLE_PUNCHED);
        assertThat(o.callee().join().path()).isEqualTo(PathKind.HOLE_PUNCHED);
        // the callee's early checks opened its own NAT and expired at the next router, before A's NAT...
        assertThat(o.b().checks.lowTtlChecksSent()).isPositive();
        assertThat(sim.net.expired).isPositive();
        assertThat(o.a().nat.strayEntries()).as("stray conntrack entries on the caller's NAT").isZero();
        // ...so A's flow to B kept A's server-reflexive port, which B's NAT expects
        assertThat(o.callee().join().remoteAddress()).isEqualTo(o.a().candidates.get(1).address());
        assertThat(o.caller().join().remoteAddress()).isEqualTo(o.b().candidates.get(1).address());
        assertThat(o.caller().join().setupMs()).isLessThan(1_000);
        // the caller starts second and needs no low TTL; after the phase everything leaves with the default TTL
        assertThat(o.a().checks.lowTtlChecksSent()).isZero();
        int lowAfterSetup = o.b().socket.lowTtlSent;
        sim.time.advance(20_000); // consent checks
        assertThat(o.b().socket.lowTtlSent).isEqualTo(lowAfterSetup);
    }

    @Test
    void conntrackQuirkWithStaggeredStartSurvivesThroughTheRelay() {
        // The old behaviour, still that of sockets that cannot limit the TTL (other systems): B's early
        // checks leave stray conntrack entries on A's NAT, so A's flow to B gets another port, which B's
        // NAT (same quirk) refuses: no direct pair can work; the call must still connect, via the relay
        IceSim sim = new IceSim(false, 1);
        Outcome o = sim.call(EIM, EIM, true, CALLEE_HEAD_START_MS, true);
        assertThat(o.a().nat.filtered).isPositive();
        assertThat(o.a().nat.strayEntries()).isPositive();
        assertThat(o.b().socket.lowTtlSent).isZero();
        assertThat(o.caller().join().path()).isEqualTo(PathKind.RELAY_UDP);
        assertThat(o.callee().join().path()).isEqualTo(PathKind.RELAY_UDP);
        assertThat(o.caller().join().setupMs()).isLessThan(2_000);
    }

    @Test
    void withNoRouterBetweenTheNatsTheLowTtlStillReachesTheFarNatSoTheCallIsRelayed() {
        // NATs on one segment (the lab's plain eim kind with LAB_ROUTER_INPUT=accept): a TTL that leaves
        // our NAT arrives at the peer's router with TTL >= 1, and a router's own input ignores the TTL
        IceSim sim = new IceSim(true, 0);
        Outcome o = sim.call(EIM, EIM, true, CALLEE_HEAD_START_MS, true);
        assertThat(o.b().checks.lowTtlChecksSent()).isPositive();
        assertThat(o.a().nat.strayEntries()).isPositive();
        assertThat(o.caller().join().path()).isEqualTo(PathKind.RELAY_UDP);
        assertThat(o.callee().join().path()).isEqualTo(PathKind.RELAY_UDP);
    }

    @Test
    void lowTtlPhaseEndsAtItsMaximumWhenTheChecksCannotLeaveOurOwnNat() {
        // TTL 1 expires at the callee's own NAT, so it never opens it and the caller's checks are dropped
        // there (input dropped, no quirk): after lowTtlMaxMs the callee checks at the default TTL at once
        CheckConfig ttl1 = new CheckConfig(20, new StunClient.Timing(100, 6, 8), 60, 10_000, 5_000,
                30_000, 1, 500);
        IceSim sim = new IceSim(true, 1);
        Outcome o = sim.call(EIM, EIM, false, CALLEE_HEAD_START_MS, true, ttl1);
        assertThat(o.b().checks.lowTtlChecksSent()).isPositive();
        assertThat(o.caller().join().path()).isEqualTo(PathKind.HOLE_PUNCHED);
        assertThat(o.callee().join().path()).isEqualTo(PathKind.HOLE_PUNCHED);
        assertThat(o.callee().join().setupMs()).isBetween(500L, 1_000L);
    }

    @Test
    void publicCalleeSendsNoLowTtlChecks() {
        // nothing of ours to open: the low TTL would only delay the path
        Outcome o = new IceSim(true, 1).call(EIM, "public", true, CALLEE_HEAD_START_MS, true);
        assertThat(o.b().checks.lowTtlChecksSent()).isZero();
        assertThat(o.caller().join().path()).isEqualTo(PathKind.HOLE_PUNCHED);
        assertThat(o.callee().join().path()).isEqualTo(PathKind.HOLE_PUNCHED);
    }
}
