package dev.parley.supernode;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.protocol.HostPort;
import dev.parley.protocol.wire.SearchResult;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Searches across three super nodes, with caches and dead peers. */
class SearchScenarioTest {
    @TempDir
    Path dir;
    Cluster cluster;
    ServerSocket silentPeer;

    @AfterEach
    void stop() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
        if (silentPeer != null) {
            silentPeer.close();
        }
    }

    private void start(List<HostPort> extraPeers) throws Exception {
        cluster = new Cluster(3, dir, extraPeers);
        cluster.awaitDirectory(extraPeers);
    }

    @Test
    void findsAUserOnAnotherSuperNode() throws Exception {
        start(List.of());
        TestClient alice = cluster.signIn(0, "alice");
        cluster.signIn(2, "bob");

        SearchResult r = alice.search("Bob");
        assertThat(r.getFound()).isTrue();
        assertThat(r.getSupernodesContacted()).isEqualTo(2);
        assertThat(r.getRecord().getCredential().getUsername()).isEqualTo("bob");
        assertThat(r.getRecord().getCredential().getPublicKey().toByteArray())
                .isEqualTo(Cluster.keyOf("bob").publicKey());
        assertThat(HostPort.of(r.getRecord().getSuperNode())).isEqualTo(cluster.node(2).advertisedAddress());

        SearchResult again = alice.search("bob");
        assertThat(again.getFound()).isTrue();
        assertThat(again.getSupernodesContacted()).as("answered from the cache").isZero();
        assertThat(again.getRecord()).isEqualTo(r.getRecord());
    }

    @Test
    void unknownUserIsNotFoundAfterAskingEveryPeer() throws Exception {
        start(List.of());
        TestClient alice = cluster.signIn(0, "alice");
        SearchResult r = alice.search("nobody");
        assertThat(r.getFound()).isFalse();
        assertThat(r.hasRecord()).isFalse();
        assertThat(r.getSupernodesContacted()).isEqualTo(2);
    }

    @Test
    void deadAndSilentPeersDoNotPreventAResult() throws Exception {
        HostPort dead;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            dead = new HostPort("127.0.0.1", s.getLocalPort()); // closed below: nothing listens there
        }
        // Accepts TCP connections (kernel backlog) but never reads or answers.
        silentPeer = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        HostPort silent = new HostPort("127.0.0.1", silentPeer.getLocalPort());
        start(List.of(dead, silent));
        TestClient alice = cluster.signIn(0, "alice");
        cluster.signIn(2, "bob");

        SearchResult found = alice.search("bob");
        assertThat(found.getFound()).isTrue();
        assertThat(HostPort.of(found.getRecord().getSuperNode())).isEqualTo(cluster.node(2).advertisedAddress());
        assertThat(found.getSupernodesContacted()).isEqualTo(4);

        SearchResult missing = alice.search("nobody");
        assertThat(missing.getFound()).as("completes after the wave deadline despite the silent peer").isFalse();
        assertThat(missing.getSupernodesContacted()).isEqualTo(4);
    }

    @Test
    void cachedAnswerExpiresWithTheClock() throws Exception {
        start(List.of());
        TestClient alice = cluster.signIn(0, "alice");
        TestClient bob = cluster.signIn(2, "bob");
        assertThat(alice.search("bob").getSupernodesContacted()).isEqualTo(2);

        bob.close();
        Await.until("bob unregistered on sn3", () -> cluster.node(2).onlineUsers() == 0);
        SearchResult stale = alice.search("bob");
        assertThat(stale.getFound()).as("a positive answer is trusted for the TTL").isTrue();
        assertThat(stale.getSupernodesContacted()).isZero();

        cluster.clock.advance(SuperNode.POSITIVE_CACHE_TTL.plus(Duration.ofMillis(1)));
        SearchResult fresh = alice.search("bob");
        assertThat(fresh.getFound()).isFalse();
        assertThat(fresh.getSupernodesContacted()).isEqualTo(2);
    }

    @Test
    void localRegistrationOverridesACachedRemoteLocation() throws Exception {
        start(List.of());
        TestClient alice = cluster.signIn(0, "alice");
        TestClient bob = cluster.signIn(2, "bob");
        alice.search("bob");
        bob.close();
        cluster.signIn(0, "bob");
        SearchResult r = alice.search("bob");
        assertThat(r.getSupernodesContacted()).isZero();
        assertThat(HostPort.of(r.getRecord().getSuperNode())).isEqualTo(cluster.node(0).advertisedAddress());
    }
}
