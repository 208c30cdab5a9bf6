package dev.parley.client;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.client.call.CallListener;
import dev.parley.client.call.IncomingCallPolicy;
import dev.parley.protocol.HostPort;
import dev.parley.protocol.wire.SearchResult;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The persisted host cache and stored credential keep a client joining while the login server is down. */
class JoinWithoutLoginServerTest {
    @TempDir
    Path dir;

    @Test
    void joinsFromTheHostCacheWhenTheLoginServerIsDown() throws Exception {
        try (TestOverlay overlay = new TestOverlay(dir, 3)) {
            IncomingCallPolicy decline = (id, c) -> new IncomingCallPolicy.Decline("no");
            ParleyClient first = overlay.client("kim", -1, decline, CallListener.NONE);
            List<HostPort> all = List.of(overlay.superNode(0), overlay.superNode(1), overlay.superNode(2));
            assertThat(all).contains(first.superNode());
            first.close();

            overlay.login.close();
            ParleyClient again = overlay.client("kim", -1, decline, CallListener.NONE);
            assertThat(all).contains(again.superNode());
            SearchResult self = again.search("kim").get(10, TimeUnit.SECONDS);
            assertThat(self.getFound()).isTrue();
            HostCache cache = HostCache.load(dir.resolve("client-kim/hostcache.txt"), HostCache.DEFAULT_CAPACITY);
            assertThat(cache.entry(again.superNode()).successes()).as("scored across both runs").isGreaterThanOrEqualTo(1);
        }
    }
}
