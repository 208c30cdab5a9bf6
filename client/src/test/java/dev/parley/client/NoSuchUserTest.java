package dev.parley.client;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.client.call.CallListener;
import dev.parley.client.call.CallReport;
import dev.parley.client.call.EndReason;
import dev.parley.client.call.IncomingCallPolicy;
import dev.parley.codec.audio.PcmBufferSink;
import dev.parley.codec.audio.SilenceSource;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Calling a name nobody has (a typo) says so at once, with real servers: the login server is asked
 * whether the account exists when no super node has the user online.
 */
class NoSuchUserTest {
    @Test
    void callingANameWithoutAnAccountFailsAtOnceAndAnOfflineUserIsUnreachable(@TempDir Path dir) throws Exception {
        try (TestOverlay overlay = new TestOverlay(dir, 1)) {
            ParleyClient bob = overlay.client("bob", 0, (id, c) -> new IncomingCallPolicy.Ring(), CallListener.NONE);
            bob.close(); // bob has an account, but is offline now
            ParleyClient alice = overlay.client("alice", 0, (id, c) -> new IncomingCallPolicy.Ring(), CallListener.NONE);

            assertThat(alice.accountExists("Bob").get(10, TimeUnit.SECONDS)).isTrue();
            assertThat(alice.accountExists("zed").get(10, TimeUnit.SECONDS)).isFalse();

            long start = System.nanoTime();
            CallReport zed = alice.calls().call("zed", SilenceSource.endless(), new PcmBufferSink()).get(10, TimeUnit.SECONDS);
            assertThat(zed.end()).isEqualTo(EndReason.NO_SUCH_USER);
            assertThat(zed.endReason()).isEqualTo("no such user");
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(5_000);

            CallReport offline = alice.calls().call("bob", SilenceSource.endless(), new PcmBufferSink()).get(10, TimeUnit.SECONDS);
            assertThat(offline.end()).isEqualTo(EndReason.UNREACHABLE);
            assertThat(offline.endReason()).isEqualTo("unreachable: user 'bob' is not online");
        }
    }
}
