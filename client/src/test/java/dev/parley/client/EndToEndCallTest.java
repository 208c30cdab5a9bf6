package dev.parley.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.parley.client.call.CallListener;
import dev.parley.client.call.CallReport;
import dev.parley.client.call.EndReason;
import dev.parley.client.call.IncomingCallPolicy;
import dev.parley.codec.audio.Clips;
import dev.parley.codec.audio.PcmBufferSink;
import dev.parley.codec.audio.PcmBufferSource;
import dev.parley.codec.audio.SilenceSource;
import dev.parley.codec.quality.Fidelity;
import dev.parley.codec.quality.FidelityResult;
import dev.parley.protocol.ProtocolException;
import dev.parley.protocol.wire.ErrorCode;
import dev.parley.protocol.wire.SearchResult;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole product path in one JVM: a login server, three super nodes and real clients; calls
 * cross super nodes and carry real Opus over RTP/UDP on 127.0.0.1.
 */
class EndToEndCallTest {
    @TempDir
    static Path dir;
    static TestOverlay overlay;
    /** The first 3 s of the bundled speech clip: long enough to score, short enough for CI. */
    static short[] clip;

    @BeforeAll
    static void startOverlay() throws Exception {
        overlay = new TestOverlay(dir, 3);
        clip = Arrays.copyOfRange(Clips.speechSample(), 0, 3 * 48_000);
    }

    @AfterAll
    static void stopOverlay() throws Exception {
        overlay.close();
    }

    @Test
    void callAcrossSuperNodesCarriesAudioWithHighFidelity() throws Exception {
        PcmBufferSink bobHears = new PcmBufferSink();
        CompletableFuture<CallReport> bobEnded = new CompletableFuture<>();
        overlay.client("bob", 2, (id, caller) -> new IncomingCallPolicy.Answer(SilenceSource.endless(), bobHears),
                TestOverlay.completing(bobEnded));
        ParleyClient alice = overlay.client("alice", 0, (id, c) -> new IncomingCallPolicy.Decline("busy"), CallListener.NONE);

        SearchResult found = alice.search("bob").get(10, TimeUnit.SECONDS);
        assertThat(found.getFound()).isTrue();
        assertThat(found.getRecord().getSuperNode().getPort()).isEqualTo(overlay.superNode(2).port());
        assertThat(found.getSupernodesContacted()).isBetween(1, 2);

        CallReport aliceReport = alice.calls().call("bob", new PcmBufferSource(clip), new PcmBufferSink()).get(30, TimeUnit.SECONDS);
        CallReport bobReport = bobEnded.get(10, TimeUnit.SECONDS);

        assertThat(aliceReport.connected()).as(aliceReport.endReason()).isTrue();
        assertThat(aliceReport.end()).isEqualTo(EndReason.INPUT_ENDED);
        assertThat(bobReport.end()).isEqualTo(EndReason.REMOTE_HUNG_UP);
        assertThat(bobReport.endReason()).startsWith("remote hung up");
        assertThat(aliceReport.setupMs()).isBetween(0L, 5_000L);
        // loopback: both parties are "public", the host pair is checked and selected
        assertThat(aliceReport.path()).isEqualTo("direct");
        assertThat(bobReport.path()).isEqualTo("direct");
        assertThat(aliceReport.pathSetupMs()).isBetween(0L, aliceReport.setupMs());
        assertThat(aliceReport.toMap()).containsEntry("path", "direct").containsKey("path_setup_ms");
        assertThat(aliceReport.media().packetsSent()).isGreaterThanOrEqualTo(clip.length / 960);
        assertThat(bobReport.media().packetsReceived()).isGreaterThanOrEqualTo(clip.length / 960);
        assertThat(bobReport.media().packetsLost()).isZero();
        assertThat(aliceReport.media().bitrateKbps()).isBetween(24.0, 40.0);
        FidelityResult fidelity = Fidelity.score(clip, bobHears.samples());
        assertThat(fidelity.score()).as(fidelity.toString()).isGreaterThan(Fidelity.PASS_THRESHOLD);
        assertThat(bobHears.isClosed()).isTrue();
    }

    @Test
    void callingSomeoneWithoutAnAccountEndsWithAClearReason() throws Exception {
        ParleyClient dave = overlay.client("dave", 1, (id, c) -> new IncomingCallPolicy.Decline("no"), CallListener.NONE);
        PcmBufferSink sink = new PcmBufferSink();
        CallReport r = dave.calls().call("nobody-here", SilenceSource.endless(), sink).get(10, TimeUnit.SECONDS);
        assertThat(r.connected()).isFalse();
        assertThat(r.end()).as("no account of that name (NoSuchUserTest: an offline one is unreachable)")
                .isEqualTo(EndReason.NO_SUCH_USER);
        assertThat(r.endReason()).isEqualTo("no such user");
        assertThat(sink.isClosed()).isTrue();
        assertThat(dave.search("nobody-here").get(10, TimeUnit.SECONDS).getFound()).isFalse();
    }

    @Test
    void declinedAndBusyCallsEndWithTheirReasons() throws Exception {
        ParleyClient erin = overlay.client("erin", 0, (id, c) -> new IncomingCallPolicy.Decline("in a meeting"), CallListener.NONE);
        ParleyClient frank = overlay.client("frank", 2, (id, c) -> new IncomingCallPolicy.Ring(), CallListener.NONE);
        ParleyClient grace = overlay.client("grace", 1, (id, c) -> new IncomingCallPolicy.Decline("no"), CallListener.NONE);

        CallReport declined = frank.calls().call("erin", SilenceSource.endless(), new PcmBufferSink()).get(10, TimeUnit.SECONDS);
        assertThat(declined.end()).isEqualTo(EndReason.REMOTE_DECLINED);
        assertThat(declined.endReason()).isEqualTo("declined by the callee: in a meeting");

        // grace calls frank, whose policy leaves the call ringing; erin's call to frank then finds him busy
        CompletableFuture<CallReport> ringing = grace.calls().call("frank", SilenceSource.endless(), new PcmBufferSink());
        awaitRinging(frank);
        CallReport busy = erin.calls().call("frank", SilenceSource.endless(), new PcmBufferSink()).get(10, TimeUnit.SECONDS);
        assertThat(busy.end()).isEqualTo(EndReason.BUSY);
        assertThat(frank.calls().reject("later").get(5, TimeUnit.SECONDS)).isTrue();
        CallReport rejected = ringing.get(10, TimeUnit.SECONDS);
        assertThat(rejected.end()).isEqualTo(EndReason.REMOTE_DECLINED);
        assertThat(rejected.endDetail()).isEqualTo("later");
    }

    @Test
    void wrongPasswordUnknownUserAndInvalidNameAreRefused() throws Exception {
        overlay.client("heidi", 0, (id, c) -> new IncomingCallPolicy.Decline("no"), CallListener.NONE);
        var heidiAgain = overlay.options("heidi", "not-her-password", 0, null, CallListener.NONE);
        // Another data dir: heidi's own is locked by her running client.
        var wrongPassword = new ClientOptions(heidiAgain.login(), "heidi", "not-her-password",
                dir.resolve("client-heidi-2"), true, heidiAgain.superNode(), 32, 60, heidiAgain.ringTimeout(), null,
                CallListener.NONE, heidiAgain.clock(), heidiAgain.random());
        assertThatThrownBy(() -> ParleyClient.start(wrongPassword)).isInstanceOfSatisfying(ProtocolException.class,
                e -> assertThat(e.code()).isEqualTo(ErrorCode.WRONG_CREDENTIALS));
        var unknown = overlay.options("ivan", "whatever", 0, null, CallListener.NONE);
        var noCreate = new ClientOptions(unknown.login(), unknown.username(), unknown.password(), unknown.dataDir(),
                false, unknown.superNode(), 32, 60, unknown.ringTimeout(), null, CallListener.NONE, unknown.clock(), unknown.random());
        assertThatThrownBy(() -> ParleyClient.start(noCreate)).isInstanceOfSatisfying(ProtocolException.class,
                e -> assertThat(e.code()).isEqualTo(ErrorCode.WRONG_CREDENTIALS));
        var invalid = overlay.options("x!", "whatever", 0, null, CallListener.NONE);
        assertThatThrownBy(() -> ParleyClient.start(invalid)).isInstanceOfSatisfying(ProtocolException.class,
                e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_USERNAME));
    }

    @Test
    void hostCacheIsPersistedAndUsedWithoutPinning() throws Exception {
        ParleyClient judy = overlay.client("judy", -1, (id, c) -> new IncomingCallPolicy.Decline("no"), CallListener.NONE);
        // Attempts that lost the race finish after the first save: the saver writes their scores
        // within a second (HostCacheSaver), so poll the file with a deadline.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        HostCache cache = HostCache.load(dir.resolve("client-judy/hostcache.txt"), HostCache.DEFAULT_CAPACITY);
        while (!allScored(cache) && System.nanoTime() < deadline) {
            TimeUnit.MILLISECONDS.sleep(50); // polling a file the saver rewrites, with a deadline
            cache = HostCache.load(dir.resolve("client-judy/hostcache.txt"), HostCache.DEFAULT_CAPACITY);
        }
        assertThat(cache.entries()).containsExactlyInAnyOrder(overlay.superNode(0), overlay.superNode(1), overlay.superNode(2));
        // All three were tried in parallel: each that answered is scored with a success and an RTT.
        assertThat(cache.entry(judy.superNode()).successes()).isEqualTo(1);
        assertThat(cache.entry(judy.superNode()).rttMs()).isNotNegative();
        assertThat(cache.entry(cache.entries().get(0)).successes()).as("best entry worked").isEqualTo(1);
    }

    private static boolean allScored(HostCache cache) {
        return cache.entries().stream().allMatch(e -> cache.entry(e).successes() > 0);
    }

    private static void awaitRinging(ParleyClient callee) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!callee.calls().hasCall().get(1, TimeUnit.SECONDS)) {
            assertThat(System.nanoTime()).as("callee rings within 10 s").isLessThan(deadline);
            TimeUnit.MILLISECONDS.sleep(10); // polling call state, with a deadline
        }
    }
}
