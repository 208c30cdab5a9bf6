package dev.parley.supernode;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.protocol.HostPort;
import dev.parley.protocol.wire.Address;
import dev.parley.protocol.wire.Envelope;
import dev.parley.protocol.wire.MeshSuspect;
import dev.parley.protocol.wire.SearchResult;
import dev.parley.protocol.wire.SuperNodeCertificate;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A super node dies while a peer holds a cached search answer naming it; its client rejoins
 * elsewhere (docs/protocol.md "Dead super nodes"). Three super nodes in one JVM on real sockets;
 * mesh rounds only when the test runs them, so nothing but {@link DeathWatch} can tell the peers
 * of the death within the test's deadline.
 */
class DeadSuperNodeTest {
    /** Issue 12's target for "searches for them succeed again" after a super node died. */
    static final Duration FOUND_AGAIN = Duration.ofSeconds(3);

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

    /** alice on sn0 has searched bob on sn1: sn0 caches "bob is at sn1". */
    private TestClient aliceWithBobCachedAtSn1() throws Exception {
        cluster = new Cluster(3, dir, List.of());
        cluster.awaitDirectory(List.of());
        TestClient alice = cluster.signIn(0, "alice");
        cluster.signIn(1, "bob");
        cluster.meshRound();
        assertThat(at(alice.search("bob"))).isEqualTo(cluster.node(1).advertisedAddress());
        SearchResult cached = alice.search("bob");
        assertThat(cached.getFromCache()).as("sn0 answers from its positive cache").isTrue();
        // Time passes (the clock is injected): peers last heard a while ago, as when a death happens.
        cluster.clock.advance(Duration.ofSeconds(1));
        return alice;
    }

    private static HostPort at(SearchResult r) {
        assertThat(r.getFound()).as("found: %s", r).isTrue();
        return HostPort.of(r.getRecord().getSuperNode());
    }

    @Test
    void rejoinedClientIsFoundAtItsNewSuperNodeAlthoughAPeerCachedTheDeadOne() throws Exception {
        TestClient alice = aliceWithBobCachedAtSn1();
        HostPort sn1 = cluster.node(1).advertisedAddress();
        HostPort sn2 = cluster.node(2).advertisedAddress();

        cluster.node(1).close(); // dies: its TCP and UDP sockets are gone, it tells no one
        long diedNanos = System.nanoTime();
        TestClient bob = cluster.connect(2);
        Envelope r = TestClient.await(bob.registerAfterLosing(cluster.credential("bob"), Cluster.keyOf("bob"), sn1));
        assertThat(r.hasRegistered()).isTrue();

        Await.until("alice finds bob at sn2 (not the record naming dead sn1)", FOUND_AGAIN,
                () -> sn2.equals(at(alice.search("bob"))));
        long foundAgainMs = (System.nanoTime() - diedNanos) / 1_000_000;
        assertThat(foundAgainMs).isLessThan(FOUND_AGAIN.toMillis());
        // sn2's probe of sn1 runs on its own: alice may find bob at sn2 a moment before it ends.
        Await.until("sn2 probed sn1 on bob's word", () -> cluster.node(2).mesh().deaths().confirmedDead() == 1);
        assertThat(cluster.node(2).mesh().deaths().confirmedDead()).as("sn2 probed sn1 on bob's word").isEqualTo(1);
        Await.until("sn0 checked sn1 itself (its probe missed) and counts it dead",
                () -> !cluster.node(0).livePeers().contains(sn1));
    }

    /**
     * No cache this time, and digests travel only with mesh rounds (none run after the death): sn2's
     * digest at sn0 is current and lacks bob. Once sn0 counts sn1 dead, a search for a user sn1's
     * digest had does not trust the other digests' "no" and finds bob at sn2.
     */
    @Test
    void userOfADeadSuperNodeIsFoundBeforeTheNewOnesDigestSaysSo() throws Exception {
        cluster = new Cluster(3, dir, List.of(), c -> c.withMesh(c.mesh().withDigests(Duration.ZERO, c.mesh().digestLease())));
        cluster.awaitDirectory(List.of());
        TestClient alice = cluster.signIn(0, "alice");
        cluster.signIn(1, "bob");
        cluster.meshRound();
        cluster.clock.advance(Duration.ofSeconds(1));
        HostPort sn1 = cluster.node(1).advertisedAddress();
        HostPort sn2 = cluster.node(2).advertisedAddress();

        cluster.node(1).close();
        long diedNanos = System.nanoTime();
        TestClient bob = cluster.connect(2);
        assertThat(TestClient.await(bob.registerAfterLosing(cluster.credential("bob"), Cluster.keyOf("bob"), sn1))
                .hasRegistered()).isTrue();

        Await.until("alice finds bob at sn2", FOUND_AGAIN, () -> {
            SearchResult r = alice.search("bob");
            return r.getFound() && sn2.equals(HostPort.of(r.getRecord().getSuperNode()));
        });
        assertThat((System.nanoTime() - diedNanos) / 1_000_000).isLessThan(FOUND_AGAIN.toMillis());
    }

    /**
     * Attack: mallory, a registered client, names sn1 as the super node she lost, hoping that peers
     * drop the records naming it (bob's): sn2 probes sn1, which answers, so nothing is dropped.
     * Without the probe (a client's word taken), sn0 would forget bob's record and sn1 would count dead.
     */
    @Test
    void aClientsWordAloneEvictsNoRecord() throws Exception {
        TestClient alice = aliceWithBobCachedAtSn1();
        HostPort sn1 = cluster.node(1).advertisedAddress();
        DeathWatch sn2 = cluster.node(2).mesh().deaths();
        long sweepsBefore = cluster.node(0).locator().counters().staleDropped();

        TestClient mallory = cluster.connect(2);
        Envelope r = TestClient.await(mallory.registerAfterLosing(cluster.credential("mallory"), Cluster.keyOf("mallory"), sn1));
        assertThat(r.hasRegistered()).isTrue();
        // Until sn2 acted on the hint: heard back from sn1 (its probe), or (broken) told sn0 of a death.
        Await.until("sn2 acted on mallory's hint", () -> cluster.node(2).mesh().lastHeardMs(sn1) == cluster.clock.millis()
                || cluster.node(0).locator().counters().staleDropped() > sweepsBefore);

        assertThat(sn2.confirmedDead()).isZero();
        assertThat(sn2.suspected()).isZero();
        assertThat(cluster.node(2).livePeers()).contains(sn1);
        assertThat(cluster.node(0).locator().counters().staleDropped()).as("no MeshSuspect reached sn0").isEqualTo(sweepsBefore);
        SearchResult still = alice.search("bob");
        assertThat(still.getFromCache()).as("bob's record still cached at sn0").isTrue();
        assertThat(at(still)).isEqualTo(sn1);
    }

    /**
     * Attack: a certified peer (the fake) tells sn0 that live sn1 is dead, and sends garbage news.
     * sn0 probes sn1, which answers: sn1 stays live and bob is found there (the lie cost a fresh
     * lookup). Without the probe (news believed) sn1 would count dead at sn0.
     */
    @Test
    void aPeersLieCostsAProbeNotASuperNode() throws Exception {
        TestClient alice = aliceWithBobCachedAtSn1();
        HostPort sn1 = cluster.node(1).advertisedAddress();
        fake = new FakePeer(cluster.clients, cluster.login);
        cluster.login.addPeer(fake.address);
        cluster.awaitDirectory(List.of(fake.address));
        long sweepsBefore = cluster.node(0).locator().counters().staleDropped();

        SuperNodeCertificate sn0 = cluster.node(0).certificate();
        fake.sendSealed(sn0, news(new HostPort("127.0.0.1", 0)).toByteArray()); // names no peer
        fake.sendSealed(sn0, Envelope.newBuilder().setMeshSuspect(MeshSuspect.newBuilder()
                .setSuperNode(Address.newBuilder().setHost("").setPort(70_000))).build().toByteArray());
        fake.sendSealed(sn0, news(sn1).toByteArray());

        Await.until("sn0 took the news (dropped bob's cached record) and probed sn1",
                () -> cluster.node(0).locator().counters().staleDropped() > sweepsBefore
                        && cluster.node(0).mesh().lastHeardMs(sn1) == cluster.clock.millis());
        assertThat(cluster.node(0).mesh().deaths().confirmedDead()).isZero();
        assertThat(cluster.node(0).livePeers()).contains(sn1);
        SearchResult r = alice.search("bob");
        assertThat(r.getFromCache()).as("the lie cost a fresh search").isFalse();
        assertThat(at(r)).isEqualTo(sn1);
    }

    private static Envelope news(HostPort superNode) {
        return Envelope.newBuilder().setMeshSuspect(MeshSuspect.newBuilder().setSuperNode(superNode.toAddress())).build();
    }
}
