package dev.parley.client;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.client.call.CallListener;
import dev.parley.client.call.CallReport;
import dev.parley.client.call.EndReason;
import dev.parley.client.call.IncomingCallPolicy;
import dev.parley.client.media.MediaStats;
import dev.parley.codec.audio.PcmBufferSink;
import dev.parley.codec.audio.SilenceSource;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Path failover over real sockets (docs/nat.md "Path failover"): two relay-only clients on two
 * super nodes call each other through the caller's super node's UDP relay; that super node shuts
 * down mid-call; the caller rejoins through the other super node, renegotiates (MediaUpdate) and
 * media flows again through the surviving super node's relay. Both reports show the gap.
 */
class RelayFailoverTest {
    @TempDir
    Path dir;

    @Test
    void callSurvivesTheDeathOfItsRelaySuperNode() throws Exception {
        try (TestOverlay overlay = new TestOverlay(dir, 2)) {
            CompletableFuture<CallReport> bobEnded = new CompletableFuture<>();
            ParleyClient bob = overlay.client(overlay.options("bobfo", "bobfo-password", 1,
                    (id, caller) -> new IncomingCallPolicy.Answer(SilenceSource.endless(), new PcmBufferSink()),
                    TestOverlay.completing(bobEnded)).withRelayOnly(true));
            ParleyClient alice = overlay.client(overlay.options("alicefo", "alicefo-password", 0,
                    (id, c) -> new IncomingCallPolicy.Decline("busy"), CallListener.NONE).withRelayOnly(true));
            assertThat(alice.search("bobfo").get(10, TimeUnit.SECONDS).getFound()).isTrue();

            CompletableFuture<CallReport> aliceEnded = alice.calls().call("bobfo", SilenceSource.endless(), new PcmBufferSink());
            await("media flows both ways", () -> received(alice) > 25 && received(bob) > 25);

            overlay.superNodes.get(0).close(); // the caller's super node: its signalling and the call's relay
            long aliceBefore = received(alice);
            long bobBefore = received(bob);
            await("alice rejoined through the other super node", () -> overlay.superNode(1).equals(alice.superNode())
                    && alice.session() != null);
            // 50 packets/s: 100 more each way means media flows again, through the new relay
            await("media flows again", () -> received(alice) > aliceBefore + 100 && received(bob) > bobBefore + 100);
            assertThat(aliceEnded).isNotDone();

            assertThat(alice.calls().hangup().get(5, TimeUnit.SECONDS)).isTrue();
            CallReport a = aliceEnded.get(10, TimeUnit.SECONDS);
            CallReport b = bobEnded.get(10, TimeUnit.SECONDS);
            assertThat(a.end()).isEqualTo(EndReason.HUNG_UP);
            assertThat(b.end()).isEqualTo(EndReason.REMOTE_HUNG_UP);
            for (CallReport r : new CallReport[] {a, b}) {
                assertThat(r.pathHistory()).as("path history").containsExactly("relay-udp", "relay-udp");
                assertThat(r.pathChanges()).isEqualTo(1);
                // the gap — detection (at once: alice's super node went away) + rejoin + relay
                // allocation + gathering + checks — is longer than the 20 ms between packets
                assertThat(r.mediaGapMs()).as("media gap").isBetween(21L, 15_000L);
                assertThat(r.toMap()).containsEntry("path_changes", 1).containsKey("media_gap_ms");
            }
        }
    }

    private static long received(ParleyClient c) {
        try {
            MediaStats s = c.calls().stats().get(5, TimeUnit.SECONDS);
            return s == null ? 0 : s.packetsReceived();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting until " + what);
            }
            TimeUnit.MILLISECONDS.sleep(20); // polling with a deadline
        }
    }
}
