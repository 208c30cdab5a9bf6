package dev.parley.supernode;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.protocol.HostPort;
import dev.parley.protocol.wire.SearchResult;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The expanding search over several super nodes in one JVM: waves, digests (fresh and stale),
 * caches with the injected clock, invalidation on presence changes, dead and dying peers.
 * Mesh rounds are run explicitly ({@link Cluster#meshRound()}), so digests are exactly as old as
 * the test makes them.
 */
class SearchScenarioTest {
    @TempDir
    Path dir;
    Cluster cluster;
    FakePeer fake;

    @AfterEach
    void stop() {
        if (cluster != null) {
            cluster.close();
        }
        if (fake != null) {
            fake.close();
        }
    }

    private void start(int superNodes, boolean digests, List<HostPort> extraPeers) throws Exception {
        cluster = new Cluster(superNodes, dir, extraPeers, c -> c.withSearch(c.search().withDigests(digests)));
        cluster.awaitDirectory(extraPeers);
    }

    /** Digests only from mesh rounds: a change is never pushed, so digests go stale as the test says. */
    private void startWithoutPushes(int superNodes) throws Exception {
        cluster = new Cluster(superNodes, dir, List.of(),
                c -> c.withMesh(c.mesh().withDigests(Duration.ZERO, c.mesh().digestLease())));
        cluster.awaitDirectory(List.of());
    }

    /** Lets every digest's lease run out: a digest's "no" is no longer trusted. */
    private void outliveDigestLeases() {
        cluster.clock.advance(Cluster.MESH.digestLease().plusMillis(1));
    }

    @Test
    void blindWavesAskTwoThenFourPeers() throws Exception {
        start(7, false, List.of());
        TestClient alice = cluster.signIn(0, "alice");
        cluster.signIn(6, "bob");

        SearchResult r = alice.search("Bob");
        assertThat(r.getFound()).isTrue();
        assertThat(r.getSupernodesContacted()).as("wave 1 (2 peers) or waves 1+2 (2+4)").isIn(2, 6);
        assertThat(r.getRecord().getCredential().getUsername()).isEqualTo("bob");
        assertThat(HostPort.of(r.getRecord().getSuperNode())).isEqualTo(cluster.node(6).advertisedAddress());

        SearchResult nobody = alice.search("nobody");
        assertThat(nobody.getFound()).isFalse();
        assertThat(nobody.getSupernodesContacted()).as("every peer asked before 'not found'").isEqualTo(6);
        assertThat(nobody.getFromCache()).isFalse();
    }

    @Test
    void freshDigestSendsWaveOneToTheHolderOnly() throws Exception {
        start(7, true, List.of());
        TestClient alice = cluster.signIn(0, "alice");
        cluster.signIn(5, "bob");
        cluster.meshRound();

        SearchResult r = alice.search("bob");
        assertThat(r.getFound()).isTrue();
        assertThat(r.getSupernodesContacted()).isEqualTo(1);
        assertThat(HostPort.of(r.getRecord().getSuperNode())).isEqualTo(cluster.node(5).advertisedAddress());

        SearchResult nobody = alice.search("nobody");
        assertThat(nobody.getFound()).isFalse();
        assertThat(nobody.getSupernodesContacted()).as("every current digest says no: nobody asked").isZero();

        outliveDigestLeases();
        SearchResult blind = alice.search("nobody2");
        assertThat(blind.getFound()).isFalse();
        assertThat(blind.getSupernodesContacted()).as("leases over: blind expansion to all").isEqualTo(6);
    }

    @Test
    void presenceChangeIsPushedSoTheNewUserIsFoundWithoutARound() throws Exception {
        start(7, true, List.of());
        TestClient alice = cluster.signIn(0, "alice");
        cluster.meshRound();
        TestClient carol = cluster.signIn(3, "carol"); // sn3 pushes its new digest to every peer at once

        Await.until("sn1 learned carol's digest entry", () -> alice.search("carol").getFound());
        SearchResult r = alice.search("carol");
        assertThat(HostPort.of(r.getRecord().getSuperNode())).isEqualTo(cluster.node(3).advertisedAddress());
        assertThat(r.getFromCache() || r.getSupernodesContacted() == 1).as("wave 1 to sn3 only").isTrue();

        TestClient dave = cluster.signIn(1, "dave");
        carol.close(); // logs out: sn3's next push drops her
        Await.until("carol offline for dave", () -> !dave.search("carol").getFound());
        cluster.signIn(4, "carol"); // back, on sn5, which pushes
        Await.until("carol found at sn5", () -> {
            SearchResult moved = dave.search("carol");
            return moved.getFound() && HostPort.of(moved.getRecord().getSuperNode()).equals(cluster.node(4).advertisedAddress());
        });
    }

    @Test
    void aSecondLogInWithinThePushDelayIsPushedWellBeforeASecond() throws Exception {
        start(3, true, List.of());
        TestClient alice = cluster.signIn(0, "alice");
        cluster.meshRound();
        Mesh sn2 = cluster.node(2).mesh();
        long before = sn2.digestPushes();
        cluster.signIn(2, "carol"); // pushed at once
        Await.until("carol's push", () -> sn2.digestPushes() > before);
        long carolPushNanos = System.nanoTime();
        cluster.signIn(2, "dave"); // within the push delay after carol's push: in the next one
        Await.until("dave's push", () -> sn2.digestPushes() > before + 1);
        long apartMs = (System.nanoTime() - carolPushNanos) / 1_000_000;
        assertThat(apartMs).as("pushes %d ms apart (200 ms at least; were 1 s)", apartMs).isLessThan(800);
        // No mesh rounds run (1 h ping interval): that push is how sn0 learns of dave.
        Await.until("dave found", () -> alice.search("dave").getFound());
    }

    @Test
    void staleDigestStillFindsTheUserByBlindExpansion() throws Exception {
        startWithoutPushes(7);
        TestClient alice = cluster.signIn(0, "alice");
        cluster.meshRound();
        cluster.signIn(3, "carol"); // after the round, never pushed: every digest of sn3 lacks carol

        assertThat(alice.search("carol").getFound()).as("within the lease a digest's 'no' is trusted").isFalse();
        outliveDigestLeases();
        SearchResult stale = alice.search("carol");
        assertThat(stale.getFound()).isTrue();
        assertThat(HostPort.of(stale.getRecord().getSuperNode())).isEqualTo(cluster.node(3).advertisedAddress());
        assertThat(stale.getSupernodesContacted()).isIn(2, 6);

        cluster.meshRound();
        TestClient dave = cluster.signIn(1, "dave");
        SearchResult fresh = dave.search("carol");
        assertThat(fresh.getSupernodesContacted()).as("refreshed digest").isEqualTo(1);
    }

    @Test
    void positiveAnswerIsCachedUntilItsTtl() throws Exception {
        start(3, true, List.of());
        TestClient alice = cluster.signIn(0, "alice");
        cluster.signIn(2, "bob");
        SearchResult first = alice.search("bob");
        assertThat(first.getFromCache()).isFalse();
        assertThat(first.getSupernodesContacted()).isPositive();

        SearchResult again = alice.search("bob");
        assertThat(again.getFound()).isTrue();
        assertThat(again.getFromCache()).isTrue();
        assertThat(again.getSupernodesContacted()).isZero();
        assertThat(again.getRecord()).isEqualTo(first.getRecord());

        cluster.clock.advance(Cluster.SEARCH.positiveTtl().plusMillis(1));
        SearchResult expired = alice.search("bob");
        assertThat(expired.getFound()).isTrue();
        assertThat(expired.getFromCache()).isFalse();
        assertThat(expired.getSupernodesContacted()).isPositive();
    }

    @Test
    void negativeAnswerIsCachedAndExpires() throws Exception {
        start(3, true, List.of());
        TestClient alice = cluster.signIn(0, "alice");
        assertThat(alice.search("nobody").getSupernodesContacted()).isEqualTo(2);
        SearchResult cached = alice.search("nobody");
        assertThat(cached.getFound()).isFalse();
        assertThat(cached.getFromCache()).isTrue();
        assertThat(cached.getSupernodesContacted()).isZero();

        cluster.clock.advance(Cluster.SEARCH.negativeTtl().plusMillis(1));
        SearchResult expired = alice.search("nobody");
        assertThat(expired.getFromCache()).isFalse();
        assertThat(expired.getSupernodesContacted()).isEqualTo(2);
    }

    @Test
    void presenceChangesInvalidateCachesOnTheSuperNodesThatAsked() throws Exception {
        start(4, true, List.of());
        TestClient alice = cluster.signIn(0, "alice");
        // Negative entry, then bob signs in on a super node sn1 asked: it tells sn1 (the clock is frozen,
        // so only that invalidation can make the next search find him).
        assertThat(alice.search("bob").getFound()).isFalse();
        assertThat(alice.search("bob").getFromCache()).isTrue();
        TestClient bob = cluster.signIn(3, "bob");
        Await.until("negative entry invalidated", () -> alice.search("bob").getFound());

        // Positive entry, then bob logs out: dropped.
        assertThat(alice.search("bob").getFromCache()).isTrue();
        bob.close();
        Await.until("positive entry invalidated", () -> !alice.search("bob").getFound());

        // Bob moves to another super node: found there.
        cluster.signIn(2, "bob");
        Await.until("found at the new super node", () -> {
            SearchResult r = alice.search("bob");
            return r.getFound() && HostPort.of(r.getRecord().getSuperNode()).equals(cluster.node(2).advertisedAddress());
        });
    }

    @Test
    void localRegistrationOverridesACachedRemoteLocation() throws Exception {
        start(3, true, List.of());
        TestClient alice = cluster.signIn(0, "alice");
        TestClient bob = cluster.signIn(2, "bob");
        alice.search("bob");
        bob.close();
        cluster.signIn(0, "bob");
        SearchResult r = alice.search("bob");
        assertThat(r.getSupernodesContacted()).isZero();
        assertThat(r.getFromCache()).isFalse();
        assertThat(HostPort.of(r.getRecord().getSuperNode())).isEqualTo(cluster.node(0).advertisedAddress());
    }

    @Test
    void deadPeerDoesNotPreventAResultAndIsDetected() throws Exception {
        HostPort dead;
        try (DatagramSocket s = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            dead = new HostPort("127.0.0.1", s.getLocalPort()); // closed below: nothing answers there
        }
        start(3, false, List.of(dead));
        TestClient alice = cluster.signIn(0, "alice");
        cluster.signIn(2, "bob");

        SearchResult found = alice.search("bob");
        assertThat(found.getFound()).isTrue();
        assertThat(HostPort.of(found.getRecord().getSuperNode())).isEqualTo(cluster.node(2).advertisedAddress());

        SearchResult missing = alice.search("nobody");
        assertThat(missing.getFound()).as("completes after the wave timeout despite the dead peer").isFalse();
        assertThat(missing.getSupernodesContacted()).isEqualTo(3);

        for (int i = 0; i < MeshSettings.DEFAULTS.missedPingsDead(); i++) {
            cluster.node(0).meshRound().get(5, TimeUnit.SECONDS);
        }
        assertThat(cluster.node(0).livePeers()).as("failure detection").doesNotContain(dead)
                .contains(cluster.node(1).advertisedAddress(), cluster.node(2).advertisedAddress());
        SearchResult suspected = alice.search("nobody2");
        assertThat(suspected.getSupernodesContacted()).as("a suspect is still asked, last").isEqualTo(3);

        cluster.login.removePeer(dead); // the login server's directory drops it (no heartbeats)
        Await.until("dead peer dropped from the table", () -> {
            cluster.node(0).meshRound().get(5, TimeUnit.SECONDS);
            return !cluster.node(0).knownPeers().contains(dead);
        });
        assertThat(alice.search("nobody3").getSupernodesContacted()).as("given up: no longer asked").isEqualTo(2);
    }

    @Test
    void superNodeDyingMidSearchDoesNotStopIt() throws Exception {
        cluster = new Cluster(3, dir, List.of(), c -> c.withMesh(c.mesh().withDigests(Duration.ZERO, c.mesh().digestLease())));
        fake = new FakePeer(cluster.clients, cluster.login);
        fake.dieOnLookup = true;
        cluster.login.addPeer(fake.address);
        cluster.awaitDirectory(List.of(fake.address));
        TestClient alice = cluster.signIn(0, "alice");
        cluster.node(0).meshRound().get(5, TimeUnit.SECONDS); // fake's digest claims everyone
        cluster.signIn(2, "bob"); // not pushed, and after the lease sn3's digest at sn1 is stale: only the fake matches
        outliveDigestLeases();

        SearchResult r = alice.search("bob");
        assertThat(fake.lookups.get()).as("wave 1 went to the fake, which died").isEqualTo(1);
        assertThat(r.getFound()).isTrue();
        assertThat(HostPort.of(r.getRecord().getSuperNode())).isEqualTo(cluster.node(2).advertisedAddress());
        assertThat(r.getSupernodesContacted()).as("wave 1: the fake; wave 2: the other two").isEqualTo(3);
    }
}
