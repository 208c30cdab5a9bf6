package dev.parley.supernode;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * News of suspected super nodes ({@code MeshSuspect}) must not multiply into a storm (docs/protocol.md
 * "Bounded news"). An overloaded mesh misses pings everywhere at once; when every node spread news
 * of every peer it missed to every live peer, 100 super nodes sent up to 190,000 datagrams a second
 * and kept each other overloaded. Super nodes on real loopback sockets; mesh rounds run only when
 * the test runs them, and the injected clock stands still, so no rate refills meanwhile.
 */
class SuspectNewsTest {
    @TempDir
    Path dir;
    @AutoClose
    Cluster cluster;

    /** Every node answered a round: a ping missed now is a first miss, which makes a suspect. */
    private void answeredOnce(int superNodes) throws Exception {
        cluster = new Cluster(superNodes, dir, List.of());
        cluster.awaitDirectory(List.of());
        cluster.meshRound();
    }

    @Test
    void manyPeersMissedAtOnceSpreadNewsOfAFewOnly() throws Exception {
        answeredOnce(8);
        for (int i = 3; i < 8; i++) {
            cluster.node(i).close(); // 5 of 7 peers fall silent together, as in an overload
        }
        DeathWatch sn0 = cluster.node(0).mesh().deaths();
        DeathWatch sn1 = cluster.node(1).mesh().deaths();

        cluster.node(0).meshRound().get(10, TimeUnit.SECONDS);

        assertThat(sn0.suspected()).as("every silent peer is suspected").isEqualTo(5);
        assertThat(sn0.spread()).as("news spread, within the burst").isEqualTo(DeathWatch.SPREAD_BURST);
        assertThat(sn0.unspread()).isEqualTo(5 - DeathWatch.SPREAD_BURST);
        Await.until("sn1 heard the news sn0 spread", () -> sn1.heard() == DeathWatch.SPREAD_BURST);
        assertThat(sn1.heard()).as("and no more").isEqualTo(DeathWatch.SPREAD_BURST);
    }

    @Test
    void newsAlreadyHeardFromAPeerIsNotSpreadAgain() throws Exception {
        answeredOnce(4);
        cluster.node(3).close();
        DeathWatch sn0 = cluster.node(0).mesh().deaths();
        DeathWatch sn1 = cluster.node(1).mesh().deaths();

        cluster.node(1).meshRound().get(10, TimeUnit.SECONDS); // sn1 misses sn3 first and tells sn0 and sn2
        assertThat(sn1.spread()).isEqualTo(1);
        Await.until("sn0 and sn2 heard sn1's news of sn3", () -> sn0.heard() == 1 && cluster.node(2).mesh().deaths().heard() == 1);
        // sn3 answered sn0 just now by sn0's clock, so sn0 did not probe it: its own round misses sn3.
        cluster.node(0).meshRound().get(10, TimeUnit.SECONDS);

        assertThat(sn0.suspected()).isEqualTo(1);
        assertThat(sn0.spread()).as("sn2 heard it from sn1 already").isZero();
        assertThat(sn0.unspread()).isEqualTo(1);
    }
}
