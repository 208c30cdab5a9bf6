package dev.parley.supernode;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A super node opens a few peer links at once (call signals then need no handshake), but only a
 * few: the directory's order rotates with every heartbeat, and linking its first entries each time
 * once linked every super node to every other (file descriptors ran out at 100 super nodes).
 */
class EagerPeerLinksTest {
    @TempDir
    Path dir;

    @AutoClose
    private Cluster cluster;

    @Test
    void rotatingDirectoryKeepsTheEagerLinksAtTheirBound() throws Exception {
        int superNodes = 7; // 6 peers each: more than the eager bound, so a rotation would reach them all
        cluster = new Cluster(superNodes, dir, List.of());
        cluster.login.rotateDirectory = true;
        cluster.awaitDirectory(List.of());
        int seen = cluster.login.heartbeats.get();
        // every node hears at least 12 rotated directories (the heartbeat is 50 ms)
        Await.until("12 more directories per super node", () -> cluster.login.heartbeats.get() >= seen + 12 * superNodes);
        for (SuperNode n : cluster.nodes) {
            assertThat(n.peerLinks()).as("eager links of %s", n.advertisedAddress())
                    .isBetween(1L, (long) PeerConnections.EAGER_LINKS);
        }
    }
}
