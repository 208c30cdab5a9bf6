package dev.parley.client.call;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.client.call.SimOverlay.Client;
import dev.parley.client.call.SimOverlay.SuperNode;
import dev.parley.codec.audio.PcmBufferSink;
import dev.parley.codec.audio.SilenceSource;
import dev.parley.nat.sim.SimNetwork.NatKind;
import dev.parley.protocol.wire.Bye;
import dev.parley.protocol.wire.CallSignal;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * Calls as the protocol tells them, on the simulated network and virtual time ({@link SimOverlay}):
 * real call engines, real media (Opus, RTP, jitter buffer), real STUN and relay code; only the
 * network and the clock are simulated, so every scenario is deterministic and takes well under a
 * second of real time.
 */
class CallScenarioTest {
    private static final IncomingCallPolicy ANSWER = (id, caller) -> new IncomingCallPolicy.Answer(SilenceSource.endless(),
            new PcmBufferSink());
    private static final IncomingCallPolicy RING = (id, caller) -> new IncomingCallPolicy.Ring();

    private final SimOverlay overlay = new SimOverlay(20_261_127);
    private final SuperNode sn1 = overlay.superNode();
    private final SuperNode sn2 = overlay.superNode();

    private static CompletableFuture<CallReport> call(Client from, Client to, long frames) {
        return from.engine.call(to.name, SilenceSource.frames(frames), new PcmBufferSink());
    }

    private static long received(CallReport r) {
        return r.media() == null ? 0 : r.media().packetsReceived();
    }

    @Test
    void aCallAcrossTwoSuperNodesConnectsDirectlyCarriesAudioAndEndsWithBye() {
        Client alice = overlay.client("alice", sn1, RING);
        Client bob = overlay.client("bob", sn2, ANSWER);

        CompletableFuture<CallReport> done = call(alice, bob, 150); // 3 s of audio, then alice hangs up
        overlay.runUntil("call ends", () -> done.isDone() && bob.lastReport() != null, 10_000);

        CallReport a = done.join();
        CallReport b = bob.lastReport();
        assertThat(a.end()).isEqualTo(EndReason.INPUT_ENDED);
        assertThat(b.end()).isEqualTo(EndReason.REMOTE_HUNG_UP);
        assertThat(a.connected()).isTrue();
        assertThat(a.path()).isEqualTo("direct");
        assertThat(b.path()).isEqualTo("direct");
        assertThat(received(b)).isGreaterThanOrEqualTo(145);
        assertThat(received(a)).isGreaterThanOrEqualTo(145);
        assertThat(b.media().packetsLost()).isZero();
        // INVITE (3 hops) + RINGING/ACCEPT (3 hops) + checks + first packet: tens of virtual ms
        assertThat(a.setupMs()).isBetween(30L, 300L);
        assertThat(alice.phases).extracting(p -> p.getClass().getSimpleName())
                .containsExactly("Calling", "Ringing", "Connecting", "Active", "Ended");
        assertThat(bob.phases).extracting(p -> p.getClass().getSimpleName())
                .containsExactly("Ringing", "Connecting", "Active", "Ended");
    }

    @Test
    void aBusyCalleeAnswersBusy() {
        Client alice = overlay.client("alice", sn1, RING);
        Client bob = overlay.client("bob", sn2, RING);
        Client carol = overlay.client("carol", sn1, RING);
        CompletableFuture<CallReport> first = call(carol, bob, 1000);
        overlay.runUntil("bob rings", () -> bob.phases.contains(new CallPhase.Ringing()), 1000);

        CompletableFuture<CallReport> second = call(alice, bob, 1000);
        overlay.runUntil("alice's call ends", second::isDone, 1000);
        assertThat(second.join().end()).isEqualTo(EndReason.BUSY);
        assertThat(second.join().connected()).isFalse();
        assertThat(first).as("bob's first call goes on").isNotDone();
    }

    @Test
    void aDeclinedCallEndsOnBothSidesWithTheCalleesWords() {
        Client alice = overlay.client("alice", sn1, RING);
        Client bob = overlay.client("bob", sn2, (id, c) -> new IncomingCallPolicy.Decline("in a meeting"));
        CompletableFuture<CallReport> done = call(alice, bob, 1000);
        overlay.runUntil("call ends", done::isDone, 1000);
        assertThat(done.join().end()).isEqualTo(EndReason.REMOTE_DECLINED);
        assertThat(done.join().endReason()).isEqualTo("declined by the callee: in a meeting");
        assertThat(bob.lastReport().end()).isEqualTo(EndReason.DECLINED);
    }

    @Test
    void aCallNobodyAnswersTimesOutOnBothSides() {
        Client alice = overlay.client("alice", sn1, RING);
        Client bob = overlay.client("bob", sn2, RING);
        CompletableFuture<CallReport> done = call(alice, bob, 10_000);
        overlay.runUntil("ring timeout", () -> done.isDone() && bob.lastReport() != null, 25_000);
        assertThat(done.join().end()).isEqualTo(EndReason.NO_ANSWER);
        assertThat(bob.lastReport().end()).isIn(EndReason.NOT_ANSWERED, EndReason.REMOTE_HUNG_UP);
        assertThat(done.join().media()).as("no media without an answer").isNull();
        assertThat(overlay.time.nowMs()).isBetween(20_000L, 20_100L);
    }

    @Test
    void aCallerWhoHangsUpWhileRingingLeavesAMissedCall() {
        Client alice = overlay.client("alice", sn1, RING);
        Client bob = overlay.client("bob", sn2, RING);
        CompletableFuture<CallReport> done = call(alice, bob, 10_000);
        overlay.runUntil("alice hears ringing", () -> alice.phases.contains(new CallPhase.Ringing()), 1000);

        alice.engine.hangup();
        long hungUpAt = overlay.time.nowMs();
        overlay.runUntil("both ended", () -> done.isDone() && bob.lastReport() != null, 1000);
        assertThat(done.join().end()).isEqualTo(EndReason.CANCELLED);
        assertThat(bob.lastReport().end()).isEqualTo(EndReason.REMOTE_CANCELLED);
        // the BYE travels three hops: bob stops ringing at once, not at his ring timeout
        assertThat(overlay.time.nowMs() - hungUpAt).isLessThan(100);
    }

    @Test
    void whenTheRelaySuperNodeDiesMediaResumesThroughAnotherAndTheGapIsReported() {
        Client alice = overlay.client("alice", sn1, null, RING, true);
        Client bob = overlay.client("bob", sn1, null, ANSWER, true);
        CompletableFuture<CallReport> done = call(alice, bob, 400); // 8 s
        overlay.runUntil("media flows", () -> alice.phases.stream().anyMatch(p -> p instanceof CallPhase.Active), 2000);
        overlay.time.advance(2000);

        sn1.kill();
        overlay.runUntil("call ends", () -> done.isDone() && bob.lastReport() != null, 15_000);

        CallReport a = done.join();
        CallReport b = bob.lastReport();
        assertThat(a.end()).isEqualTo(EndReason.INPUT_ENDED);
        for (CallReport r : List.of(a, b)) {
            assertThat(r.pathHistory()).containsExactly("relay-udp", "relay-udp");
            // rejoin (300 ms) + relay + gathering + checks: a gap, but far below the 1.5 s watchdog + retries
            assertThat(r.mediaGapMs()).isBetween(300L, 1500L);
        }
        assertThat(alice.phases).anyMatch(p -> p instanceof CallPhase.Recovering);
        assertThat(received(b)).as("most of the 8 s arrived").isGreaterThan(300);
    }

    @Test
    void withUdpBlockedTheCallGoesThroughTheTcpRelay() {
        Client alice = overlay.client("alice", sn1, NatKind.UDP_BLOCKED, RING, false);
        Client bob = overlay.client("bob", sn2, ANSWER);
        CompletableFuture<CallReport> done = call(alice, bob, 150);
        overlay.runUntil("call ends", () -> done.isDone() && bob.lastReport() != null, 20_000);
        assertThat(done.join().end()).isEqualTo(EndReason.INPUT_ENDED);
        assertThat(done.join().path()).isEqualTo("relay-tcp");
        assertThat(bob.lastReport().path()).isEqualTo("relay-tcp");
        assertThat(received(bob.lastReport())).isGreaterThanOrEqualTo(140);
    }

    @Test
    void twoEndpointDependentNatsMeetAtTheRelay() {
        Client alice = overlay.client("alice", sn1, NatKind.SYMMETRIC, RING, false);
        Client bob = overlay.client("bob", sn2, NatKind.SYMMETRIC, ANSWER, false);
        CompletableFuture<CallReport> done = call(alice, bob, 150);
        overlay.runUntil("call ends", () -> done.isDone() && bob.lastReport() != null, 20_000);
        assertThat(done.join().end()).isEqualTo(EndReason.INPUT_ENDED);
        assertThat(done.join().path()).isEqualTo("relay-udp");
        assertThat(received(bob.lastReport())).isGreaterThanOrEqualTo(140);
    }

    @Test
    void twoEndpointIndependentNatsPunchAHole() {
        Client alice = overlay.client("alice", sn1, NatKind.ENDPOINT_INDEPENDENT, RING, false);
        Client bob = overlay.client("bob", sn2, NatKind.ENDPOINT_INDEPENDENT, ANSWER, false);
        CompletableFuture<CallReport> done = call(alice, bob, 150);
        overlay.runUntil("call ends", () -> done.isDone() && bob.lastReport() != null, 20_000);
        assertThat(done.join().path()).isEqualTo("hole-punched");
        assertThat(received(bob.lastReport())).isGreaterThanOrEqualTo(140);
    }

    @Test
    void twoEndpointIndependentNatsThatAcceptUnsolicitedInputPunchAHole() {
        // Linux routers with the conntrack quirk (docs/nat.md): the callee's first checks, sent before its
        // ACCEPT with a low TTL, open its NAT and expire before the caller's; the caller's then get through
        overlay.quirkNats = true;
        Client alice = overlay.client("alice", sn1, NatKind.ENDPOINT_INDEPENDENT, RING, false);
        Client bob = overlay.client("bob", sn2, NatKind.ENDPOINT_INDEPENDENT, ANSWER, false);
        CompletableFuture<CallReport> done = call(alice, bob, 150);
        overlay.runUntil("call ends", () -> done.isDone() && bob.lastReport() != null, 20_000);
        assertThat(done.join().path()).isEqualTo("hole-punched");
        assertThat(bob.lastReport().path()).isEqualTo("hole-punched");
        assertThat(alice.nat.strayEntries()).isZero();
        assertThat(received(bob.lastReport())).isGreaterThanOrEqualTo(140);
    }

    @Test
    void duplicatedAndLateSignalsChangeNothing() {
        // every signal arrives twice, the copy 700 ms late: after the call is established, and after it ended
        overlay.signalFate = s -> List.of(0L, 700L);
        Client alice = overlay.client("alice", sn1, RING);
        Client bob = overlay.client("bob", sn2, ANSWER);
        CompletableFuture<CallReport> done = call(alice, bob, 150);
        overlay.runUntil("call ends", () -> done.isDone() && bob.lastReport() != null, 10_000);
        overlay.time.advance(2000); // the late copies of the BYE arrive

        assertThat(done.join().end()).isEqualTo(EndReason.INPUT_ENDED);
        assertThat(bob.lastReport().end()).isEqualTo(EndReason.REMOTE_HUNG_UP);
        assertThat(alice.reports).hasSize(1);
        assertThat(bob.reports).as("the late INVITE copy is not a second call").hasSize(1);
        assertThat(alice.phases).extracting(p -> p.getClass().getSimpleName())
                .containsExactly("Calling", "Ringing", "Connecting", "Active", "Ended");
        assertThat(received(bob.lastReport())).isGreaterThanOrEqualTo(145);

        // a stale BYE of that call does not end the next one
        overlay.signalFate = s -> List.of(0L);
        CompletableFuture<CallReport> next = call(alice, bob, 100);
        overlay.runUntil("next call active", () -> bob.phases.size() > 4 && bob.phases.getLast() instanceof CallPhase.Active, 2000);
        bob.engine.onSignal(CallSignal.newBuilder().setCallId(done.join().callId()).setFrom("alice").setTo("bob")
                .setBye(Bye.getDefaultInstance()).build());
        overlay.runUntil("next call ends", next::isDone, 10_000);
        assertThat(next.join().end()).isEqualTo(EndReason.INPUT_ENDED);
    }
}
