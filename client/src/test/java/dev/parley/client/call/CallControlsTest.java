package dev.parley.client.call;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.client.call.SimOverlay.Client;
import dev.parley.client.call.SimOverlay.SuperNode;
import dev.parley.codec.audio.PcmBufferSink;
import dev.parley.codec.audio.SilenceSource;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * Calls that behave (issue 13): hang-up that waits for its BYE, hold and resume, mute, the super
 * node's peer-gone notice, missed calls and the answers a user reads. On the simulated overlay
 * ({@link SimOverlay}): real engines and media, virtual time.
 */
class CallControlsTest {
    private static final IncomingCallPolicy ANSWER = (id, caller) -> new IncomingCallPolicy.Answer(SilenceSource.endless(),
            new PcmBufferSink());
    private static final IncomingCallPolicy RING = (id, caller) -> new IncomingCallPolicy.Ring();

    private final SimOverlay overlay = new SimOverlay(20_261_113);
    private final SuperNode sn1 = overlay.superNode();
    private final SuperNode sn2 = overlay.superNode();
    private final Client alice = overlay.client("alice", sn1, RING);
    private final Client bob = overlay.client("bob", sn2, ANSWER);

    private CompletableFuture<CallReport> activeCall() {
        CompletableFuture<CallReport> done = alice.engine.call("bob", SilenceSource.endless(), new PcmBufferSink());
        overlay.runUntil("media flows", () -> bob.phases.stream().anyMatch(p -> p instanceof CallPhase.Active)
                && alice.phases.stream().anyMatch(p -> p instanceof CallPhase.Active), 5_000);
        overlay.time.advance(500);
        return done;
    }

    private static CallPhase phase(Client c) {
        return c.phases.get(c.phases.size() - 1);
    }

    @Test
    void hangupCompletesOnlyOnceTheSuperNodeTookTheBye() {
        activeCall();
        CompletableFuture<Boolean> hungUp = alice.engine.hangup();
        overlay.time.advance(1); // the call has ended locally; the BYE is one hop (5 ms) from its super node
        assertThat(phase(alice)).isInstanceOf(CallPhase.Ended.class);
        assertThat(hungUp).as("an exiting client must not close its connection before the BYE left").isNotDone();
        overlay.runUntil("BYE acknowledged", hungUp::isDone, 100);
        assertThat(hungUp.join()).isTrue();
        overlay.runUntil("bob hears the BYE", () -> bob.lastReport() != null, 100);
        assertThat(bob.lastReport().end()).isEqualTo(EndReason.REMOTE_HUNG_UP);
        assertThat(bob.lastReport().endReason()).as("no 'remote hung up: hung up'").isEqualTo("remote hung up");
    }

    @Test
    void aHeldCallSendsNoMediaIsNotTakenForALostPathAndResumes() {
        activeCall();
        assertThat(await(alice.engine.hold(true))).isTrue();
        overlay.runUntil("bob learns of the hold", () -> bob.holds.contains("here=false there=true"), 100);
        long sentAtHold = await(alice.engine.stats()).packetsSent();
        long bobReceivedAtHold = await(bob.engine.stats()).packetsReceived();
        long aliceReceivedAtHold = await(alice.engine.stats()).packetsReceived();
        overlay.time.advance(5_000); // far beyond the 1.5 s media-loss watchdog
        assertThat(await(alice.engine.stats()).packetsSent()).as("alice sends no RTP on hold").isLessThanOrEqualTo(sentAtHold + 1);
        assertThat(await(bob.engine.stats()).packetsReceived()).isLessThanOrEqualTo(bobReceivedAtHold + 1);
        assertThat(await(alice.engine.stats()).packetsReceived()).as("nor does bob: alice hears nothing from a held call")
                .isLessThanOrEqualTo(aliceReceivedAtHold + 2);
        assertThat(bob.phases).as("silence on hold is not a lost path").noneMatch(p -> p instanceof CallPhase.Recovering);
        assertThat(alice.phases).noneMatch(p -> p instanceof CallPhase.Recovering);
        assertThat(phase(bob)).isInstanceOf(CallPhase.Active.class);

        assertThat(await(alice.engine.hold(false))).isTrue();
        overlay.runUntil("bob learns of the resume", () -> bob.holds.contains("here=false there=false"), 100);
        overlay.time.advance(1_000);
        assertThat(await(bob.engine.stats()).packetsReceived()).as("media flows again").isGreaterThan(bobReceivedAtHold + 40);
        assertThat(alice.holds).containsExactly("here=true there=false", "here=false there=false");
    }

    @Test
    void holdAndMuteNeedACall() {
        assertThat(await(alice.engine.hold(true))).isFalse();
        assertThat(await(alice.engine.mute(true))).isFalse();
    }

    @Test
    void aMutedCallSendsSilenceButKeepsThePath() {
        activeCall();
        assertThat(await(alice.engine.mute(true))).isTrue();
        long received = await(bob.engine.stats()).packetsReceived();
        overlay.time.advance(3_000);
        assertThat(await(bob.engine.stats()).packetsReceived()).as("muted is silence, not a hold").isGreaterThan(received + 100);
        assertThat(bob.holds).isEmpty();
    }

    @Test
    void thePeersSuperNodeSayingItsConnectionDroppedEndsTheCallOnceItsMediaStopped() {
        CompletableFuture<CallReport> done = activeCall();
        String callId = currentCallId(bob);
        alice.crashed = true; // the process dies: no BYE will come, and its media stops
        alice.engine.hangup();
        overlay.time.advance(SimOverlay.SIGNAL_HOP_MS * 3);
        long noticeAt = overlay.time.nowMs();
        bob.engine.onPeerGone(callId, "alice"); // pushed by bob's super node
        overlay.runUntil("bob's call ends", () -> bob.lastReport() != null, 5_000);
        assertThat(bob.lastReport().end()).isEqualTo(EndReason.PEER_LOST);
        assertThat(overlay.time.nowMs() - noticeAt).as("as soon as alice's media stopped, not after the 30 s give-up")
                .isLessThan(PeerLoss.SILENT_MS + 2 * PeerLoss.CHECK_MS);
        assertThat(done).isDone();
    }

    @Test
    void aPeerGoneNoticeWhileThePeersMediaStillFlowsDoesNotEndTheCall() {
        activeCall();
        String callId = currentCallId(bob);
        bob.engine.onPeerGone(callId, "alice"); // alice's super node died, but alice rejoins and talks on
        overlay.time.advance(PeerLoss.GRACE_MS * 3);
        assertThat(bob.reports).isEmpty();
        assertThat(phase(bob)).isInstanceOf(CallPhase.Active.class);
    }

    /** The attack: a notice naming someone else as the peer, or another call, is ignored. */
    @Test
    void aPeerGoneNoticeForAnotherUserOrCallIsIgnored() {
        activeCall();
        String callId = currentCallId(bob);
        alice.crashed = true;
        alice.engine.hangup(); // alice's media stops: a matching notice would end bob's call at once
        overlay.time.advance(700);
        bob.engine.onPeerGone(callId, "carol");
        bob.engine.onPeerGone("0123456789abcdef01234567", "alice");
        overlay.time.advance(1_000);
        assertThat(bob.reports).as("only bob's own watchdog may end it, after its give-up").isEmpty();
    }

    @Test
    void aCallThatRangOutOrWasCancelledIsAMissedCall() {
        Client carol = overlay.client("carol", sn2, RING);
        CompletableFuture<CallReport> done = alice.engine.call("carol", SilenceSource.endless(), new PcmBufferSink());
        overlay.runUntil("carol rings", () -> carol.phases.contains(new CallPhase.Ringing()), 1000);
        alice.engine.hangup();
        overlay.runUntil("both ended", () -> done.isDone() && carol.lastReport() != null, 1000);
        assertThat(carol.missed).containsExactly("alice: missed call: the caller hung up");
        assertThat(alice.missed).isEmpty();
        assertThat(done.join().toMap()).as("never connected: no MOS").containsEntry("mos", null);
    }

    @Test
    void callingYourselfOrASecondPersonSaysWhy() {
        CompletableFuture<CallReport> self = alice.engine.call("Alice", SilenceSource.endless(), new PcmBufferSink());
        overlay.time.advance(1);
        assertThat(self.join().endReason()).isEqualTo("you cannot call yourself");
        activeCall();
        Client carol = overlay.client("carol", sn1, RING);
        CompletableFuture<CallReport> second = alice.engine.call("carol", SilenceSource.endless(), new PcmBufferSink());
        overlay.time.advance(1);
        assertThat(second.join().endReason()).isEqualTo("already in a call with bob; hang up first, or put it on hold");
        assertThat(carol.phases).isEmpty();
    }

    @Test
    void aDeclineFromTheShellReadsOnce() {
        Client carol = overlay.client("carol", sn2, RING);
        CompletableFuture<CallReport> done = alice.engine.call("carol", SilenceSource.endless(), new PcmBufferSink());
        overlay.runUntil("carol rings", () -> carol.phases.contains(new CallPhase.Ringing()), 1000);
        carol.engine.hangup(); // 'hangup' (or Ctrl-C) while ringing declines
        overlay.runUntil("alice's call ends", done::isDone, 1000);
        assertThat(done.join().endReason()).isEqualTo("declined by the callee");
    }

    @Test
    void aSecondCallRingsAsCallWaitingAndIsAnsweredByHoldingTheFirstWhichResumesAfterwards() {
        activeCall();
        Client carol = overlay.client("carol", sn1, RING);
        CompletableFuture<CallReport> second = carol.engine.call("bob", SilenceSource.endless(), new PcmBufferSink());
        overlay.runUntil("carol hears bob's phone ring", () -> carol.phases.contains(new CallPhase.Ringing()), 1000);
        assertThat(bob.waiting).containsExactly("carol (while with alice)");
        assertThat(bob.phases).as("the policy (auto-answer) does not answer a waiting call")
                .filteredOn(p -> p instanceof CallPhase.Connecting).hasSize(1);

        assertThat(await(bob.engine.answer(SilenceSource.endless(), new PcmBufferSink()))).isTrue();
        overlay.runUntil("carol talks with bob", () -> carol.phases.stream().anyMatch(p -> p instanceof CallPhase.Active), 2000);
        overlay.runUntil("alice learns she is on hold", () -> alice.holds.contains("here=false there=true"), 100);
        long aliceReceived = await(alice.engine.stats()).packetsReceived();
        overlay.time.advance(3_000);
        assertThat(await(alice.engine.stats()).packetsReceived()).as("bob sends alice nothing while held").isLessThanOrEqualTo(aliceReceived + 1);
        assertThat(alice.phases).noneMatch(p -> p instanceof CallPhase.Recovering || p instanceof CallPhase.Ended);
        assertThat(await(carol.engine.stats()).packetsReceived()).isGreaterThan(100);

        carol.engine.hangup();
        overlay.runUntil("both ends of carol's call end", () -> second.isDone()
                && bob.reports.stream().anyMatch(r -> r.peer().equals("carol")), 1000);
        assertThat(await(bob.engine.hasCall())).as("alice's call is still there, on hold").isTrue();
        assertThat(await(bob.engine.hold(false))).as("resume brings alice back").isTrue();
        overlay.runUntil("alice learns of the resume", () -> alice.holds.contains("here=false there=false"), 100);
        overlay.time.advance(1_000);
        assertThat(await(alice.engine.stats()).packetsReceived()).isGreaterThan(aliceReceived + 40);
        assertThat(await(bob.engine.callId())).isEqualTo(await(alice.engine.callId()));
    }

    @Test
    void aWaitingCallDeclinedIsBusyForItsCallerAndTheFirstCallGoesOn() {
        activeCall();
        Client carol = overlay.client("carol", sn1, RING);
        CompletableFuture<CallReport> second = carol.engine.call("bob", SilenceSource.endless(), new PcmBufferSink());
        overlay.runUntil("bob's second line rings", () -> !bob.waiting.isEmpty(), 1000);
        Client dave = overlay.client("dave", sn2, RING);
        CompletableFuture<CallReport> third = dave.engine.call("bob", SilenceSource.endless(), new PcmBufferSink());
        overlay.runUntil("dave's call ends", third::isDone, 1000);
        assertThat(third.join().end()).as("one call waits at most").isEqualTo(EndReason.BUSY);

        assertThat(await(bob.engine.reject(""))).isTrue();
        overlay.runUntil("carol's call ends", second::isDone, 1000);
        assertThat(second.join().end()).isEqualTo(EndReason.BUSY);
        overlay.time.advance(2_000);
        assertThat(await(bob.engine.phase())).isInstanceOf(CallPhase.Active.class);
        assertThat(bob.holds).isEmpty();
        assertThat(bob.missed).containsExactly("dave: you were in a call with alice (answered busy)");
    }

    @Test
    void aWaitingCallTheCallerGivesUpOnIsAMissedCall() {
        activeCall();
        Client carol = overlay.client("carol", sn1, RING);
        CompletableFuture<CallReport> second = carol.engine.call("bob", SilenceSource.endless(), new PcmBufferSink());
        overlay.runUntil("bob's second line rings", () -> !bob.waiting.isEmpty(), 1000);
        carol.engine.hangup();
        overlay.runUntil("carol's call ends", second::isDone, 1000);
        overlay.runUntil("bob hears of it", () -> !bob.missed.isEmpty(), 100);
        assertThat(bob.missed).containsExactly("carol: missed call: the caller hung up");
        assertThat(await(bob.engine.phase())).isInstanceOf(CallPhase.Active.class);
    }

    private String currentCallId(Client c) {
        return await(c.engine.callId());
    }

    /** Runs virtual time until the engine's answer is there (its tasks run only inside the virtual time). */
    private <T> T await(CompletableFuture<T> f) {
        overlay.runUntil("the engine answers", f::isDone, 50);
        return f.join();
    }
}
