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
 * One account signed in from two places (two devices, each with its own data dir and key): both
 * stay signed in (docs/protocol.md "Several devices"). Before, the newer session displaced the older,
 * and before that the displaced client rejoined, displaced the other, and so on: 55,000 log lines in 30 s.
 */
class SignedInTwiceTest {
    private static final IncomingCallPolicy DECLINE = (id, c) -> new IncomingCallPolicy.Decline("no");

    @TempDir
    Path dir;

    @Test
    void bothDevicesStaySignedInAndAreFound() throws Exception {
        try (TestOverlay overlay = new TestOverlay(dir, 1)) {
            ParleyClient first = overlay.client("dana", 0, DECLINE, CallListener.NONE);
            SuperNodeSession firstSession = first.session();
            ClientOptions o = overlay.options("dana", "dana-password", 0, DECLINE, CallListener.NONE);
            ParleyClient second = overlay.client(new ClientOptions(o.login(), o.username(), o.password(),
                    dir.resolve("dana-laptop"), false, o.superNode(), 32, 60, o.ringTimeout(), DECLINE, CallListener.NONE,
                    o.clock(), o.random()));

            ParleyClient carol = overlay.client("carol", 0, DECLINE, CallListener.NONE);
            SearchResult found = carol.search("dana").get(10, TimeUnit.SECONDS);
            assertThat(found.getFound()).isTrue();
            assertThat(HostPort.of(found.getRecord().getSuperNode())).isEqualTo(overlay.superNode(0));
            assertThat(found.getDevicesCount()).as("two devices, each with its own key").isEqualTo(1);
            assertThat(found.getDevicesList().get(0).getCredential().getPublicKey())
                    .isNotEqualTo(found.getRecord().getCredential().getPublicKey());
            assertThat(first.disconnected()).as("the first device stays").isNotDone();
            assertThat(second.disconnected()).as("the second device stays").isNotDone();
            // no fight: neither device was told to leave, so neither rejoined (the storm was displace → rejoin → displace)
            assertThat(first.session()).as("the first device's session is the one it joined with").isSameAs(firstSession);
            assertThat(carol.search("dana").get(10, TimeUnit.SECONDS).getDevicesCount()).isEqualTo(1);
        }
    }
}
