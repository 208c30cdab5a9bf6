package dev.parley.client;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.client.call.CallListener;
import dev.parley.client.call.IncomingCallPolicy;
import dev.parley.protocol.HostPort;
import dev.parley.protocol.wire.SearchResult;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One account signed in from two places: the newer session wins and the older client steps aside.
 * Before, the displaced client rejoined, displaced the other, and so on: 55,000 log lines in 30 s.
 */
class SignedInTwiceTest {
    private static final IncomingCallPolicy DECLINE = (id, c) -> new IncomingCallPolicy.Decline("no");

    @TempDir
    Path dir;

    @Test
    void theNewerSessionWinsAndTheDisplacedClientDoesNotRejoin() throws Exception {
        try (TestOverlay overlay = new TestOverlay(dir, 1)) {
            ParleyClient first = overlay.client("dana", 0, DECLINE, CallListener.NONE);
            // the same super node: it holds one session per user, so the newer one replaces the older
            ClientOptions o = overlay.options("dana", "dana-password", 0, DECLINE, CallListener.NONE);
            ParleyClient second = overlay.client(new ClientOptions(o.login(), o.username(), o.password(),
                    dir.resolve("dana-laptop"), false, o.superNode(), 32, 60, o.ringTimeout(), DECLINE, CallListener.NONE,
                    o.clock(), o.random()));

            first.disconnected().get(10, TimeUnit.SECONDS); // told "signed in from another place": leaves, no rejoin
            ParleyClient carol = overlay.client("carol", 0, DECLINE, CallListener.NONE);
            SearchResult found = carol.search("dana").get(10, TimeUnit.SECONDS);
            assertThat(found.getFound()).isTrue();
            assertThat(HostPort.of(found.getRecord().getSuperNode())).isEqualTo(overlay.superNode(0));
            assertThat(second.disconnected()).as("the newer session stays").isNotDone();
            assertThat(first.session()).isNull();
        }
    }
}
