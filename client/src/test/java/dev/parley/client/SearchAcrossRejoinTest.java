package dev.parley.client;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.client.call.CallListener;
import dev.parley.client.call.IncomingCallPolicy;
import dev.parley.protocol.wire.SearchResult;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A search asked while the client's super node is gone (dead, the client rejoining) is answered
 * through the super node it rejoins, instead of failing ({@link RetryAfterLoss}): the user asked a
 * question, not which super node to ask it.
 */
class SearchAcrossRejoinTest {
    @TempDir
    Path dir;

    @Test
    void aSearchAskedWhileRejoiningIsAnsweredOnceTheClientRejoined() throws Exception {
        try (TestOverlay overlay = new TestOverlay(dir, 2)) {
            IncomingCallPolicy decline = (id, c) -> new IncomingCallPolicy.Decline("busy");
            overlay.client("bobrj", 1, decline, CallListener.NONE);
            ParleyClient alice = overlay.client("alicerj", 0, decline, CallListener.NONE);
            assertThat(alice.search("bobrj").get(10, TimeUnit.SECONDS).getFound()).isTrue();

            overlay.superNodes.get(0).close();
            // Asked once alice saw the loss (her session gone) or while her old session was closing:
            // either way before she rejoined, which the old search reported as an I/O failure.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (alice.session() != null && overlay.superNode(0).equals(alice.superNode()) && System.nanoTime() < deadline) {
                Thread.onSpinWait(); // polling for the loss, with a deadline (no sleep: the rejoin is quick)
            }
            SearchResult r = alice.search("bobrj").get(15, TimeUnit.SECONDS);
            assertThat(r.getFound()).as("found through the super node alice rejoined").isTrue();
            assertThat(alice.superNode()).isEqualTo(overlay.superNode(1));
        }
    }
}
