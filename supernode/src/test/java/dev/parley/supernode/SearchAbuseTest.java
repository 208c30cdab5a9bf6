package dev.parley.supernode;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.protocol.Ed25519KeyPair;
import dev.parley.protocol.HostPort;
import dev.parley.protocol.PresenceRecords;
import dev.parley.protocol.ProtocolException;
import dev.parley.protocol.wire.Address;
import dev.parley.protocol.wire.Credential;
import dev.parley.protocol.wire.Envelope;
import dev.parley.protocol.wire.ErrorCode;
import dev.parley.protocol.wire.PresenceRecord;
import dev.parley.protocol.wire.Search;
import dev.parley.protocol.wire.SearchResult;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad input to the search: forged and stale records, garbage gossip and datagrams, floods, bad names. */
class SearchAbuseTest {
    private static final Duration MAX_AGE = Duration.ofHours(1);
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

    private void startWithFake(UnaryOperator<SuperNodeConfig> tune) throws Exception {
        cluster = new Cluster(2, dir, List.of(), tune);
        fake = new FakePeer(cluster.clients, cluster.login);
        cluster.login.addPeer(fake.address);
        cluster.awaitDirectory(List.of(fake.address));
    }

    private PresenceRecord record(String user, Ed25519KeyPair signer, HostPort superNode, Instant signedAt) {
        Credential c = cluster.login.issue(user, Cluster.keyOf(user), signedAt, Duration.ofDays(2));
        byte[] sig = PresenceRecords.sign(signer, user, superNode, List.of(), signedAt.toEpochMilli());
        return PresenceRecords.record(c, superNode, List.of(), signedAt.toEpochMilli(), sig, signedAt.toEpochMilli());
    }

    @Test
    void forgedRedirectedAndStaleRecordsAreRejected() throws Exception {
        startWithFake(c -> c.withSearch(new SearchSettings(Duration.ofMillis(200), Duration.ofSeconds(3),
                Duration.ofSeconds(5), Duration.ofSeconds(2), true, 10_000, 10_000, MAX_AGE)));
        Instant now = cluster.clock.instant();
        fake.answers.put("eve1", record("eve1", TestKeys.key(666), fake.address, now)); // not eve1's key
        fake.answers.put("eve2", record("eve2", Cluster.keyOf("eve2"), cluster.node(1).advertisedAddress(), now));
        fake.answers.put("eve3", record("eve3", Cluster.keyOf("eve3"), fake.address, now.minus(MAX_AGE).minusMillis(1)));
        fake.answers.put("eve4", record("eve4", Cluster.keyOf("eve4"), fake.address, now)); // genuine
        TestClient alice = cluster.signIn(0, "alice");

        for (String user : List.of("eve1", "eve2", "eve3")) {
            SearchResult r = alice.search(user);
            assertThat(r.getFound()).as("%s rejected", user).isFalse();
            assertThat(r.hasRecord()).isFalse();
        }
        assertThat(cluster.node(0).stats().rejectedRecords()).isEqualTo(3);
        SearchResult genuine = alice.search("eve4");
        assertThat(genuine.getFound()).as("a valid record from the same peer is accepted").isTrue();
        assertThat(HostPort.of(genuine.getRecord().getSuperNode())).isEqualTo(fake.address);
        assertThat(fake.lookups.get()).isEqualTo(4);
    }

    @Test
    void garbageGossipIsIgnoredAndTheTableStaysBounded() throws Exception {
        int maxPeers = 6;
        startWithFake(c -> c.withMesh(c.mesh().withMaxPeers(maxPeers)));
        // Validly certified (by the login server's key), but garbage addresses, then well-formed ones
        // where nothing answers: the table stays bounded and only answering peers are searched.
        List<HostPort> garbage = new ArrayList<>(List.of(
                new HostPort("evil.example", 7000), new HostPort("127.0.0.1", 0), new HostPort("0.0.0.0", 7000),
                new HostPort("224.0.0.1", 7000), new HostPort("x".repeat(300), 7000), new HostPort("::", 7000),
                new HostPort("999.1.1.1", 7000)));
        for (int port = 20_000; port < 20_100; port++) {
            garbage.add(new HostPort("127.0.0.1", port)); // well-formed, but nothing answers there
        }
        garbage.forEach(a -> fake.gossip.add(cluster.login.certify(FakeLoginServer.peerKey(a), a, cluster.clock.instant())));
        SuperNode sn = cluster.node(0);
        for (int round = 0; round < 5; round++) {
            sn.meshRound().get(10, TimeUnit.SECONDS);
            assertThat(sn.knownPeers().size()).as("bounded after round %d", round).isLessThanOrEqualTo(maxPeers);
        }
        assertThat(sn.knownPeers()).as("directory entries are kept")
                .contains(cluster.node(1).advertisedAddress(), fake.address);
        assertThat(sn.knownPeers()).allSatisfy(hp -> {
            assertThat(hp.host()).isEqualTo("127.0.0.1");
            assertThat(hp.port()).isPositive();
        });
        assertThat(sn.livePeers()).as("unanswering gossip is never searched")
                .containsExactlyInAnyOrder(cluster.node(1).advertisedAddress(), fake.address);

        fake.sendRaw(sn.advertisedAddress(), new byte[] {(byte) 0xff, 0x13, 0x37, 0x00, 0x42});
        Await.until("garbage datagram dropped", () -> sn.stats().datagramsDropped() >= 1);
        TestClient alice = cluster.signIn(0, "alice");
        cluster.signIn(1, "bob");
        Await.until("still searching normally (once sn2's digest push arrived)", () -> alice.search("bob").getFound());
    }

    @Test
    void searchFloodIsRateLimitedPerClient() throws Exception {
        cluster = new Cluster(2, dir, List.of(), c -> c.withSearch(c.search().withRateLimit(5, 10)));
        cluster.awaitDirectory(List.of());
        TestClient flooder = cluster.signIn(0, "mallory");
        TestClient other = cluster.signIn(0, "alice");

        List<CompletableFuture<Envelope>> flood = new ArrayList<>();
        for (int i = 0; i < 15; i++) {
            flood.add(flooder.request(Envelope.newBuilder().setSearch(Search.newBuilder().setUsername("alice"))));
        }
        int limited = 0;
        for (CompletableFuture<Envelope> f : flood) {
            try {
                assertThat(TestClient.await(f).getSearchResult().getFound()).isTrue();
            } catch (ExecutionException e) {
                ProtocolException pe = (ProtocolException) e.getCause();
                assertThat(pe.code()).isEqualTo(ErrorCode.RATE_LIMITED);
                assertThat(pe.getMessage()).contains("search rate: more than 5/s (burst 10)");
                limited++;
            }
        }
        assertThat(limited).as("the burst of 10 passes, the rest is limited").isEqualTo(5);
        assertThat(other.search("mallory").getFound()).as("other clients are not affected").isTrue();

        cluster.clock.advance(Duration.ofSeconds(1)); // refills 5 tokens
        for (int i = 0; i < 5; i++) {
            assertThat(flooder.search("alice").getFound()).isTrue();
        }
        ProtocolException again = TestClient.failure(flooder.request(
                Envelope.newBuilder().setSearch(Search.newBuilder().setUsername("alice"))));
        assertThat(again.code()).isEqualTo(ErrorCode.RATE_LIMITED);
    }

    @Test
    void invalidNamesAreRefusedWithoutSearching() throws Exception {
        cluster = new Cluster(2, dir, List.of());
        cluster.awaitDirectory(List.of());
        TestClient alice = cluster.signIn(0, "alice");
        for (String bad : List.of("", "x", "bad name", "Ünïcode", "a".repeat(33), "-dash")) {
            ProtocolException e = TestClient.failure(alice.request(
                    Envelope.newBuilder().setSearch(Search.newBuilder().setUsername(bad))));
            assertThat(e.code()).as("'%s'", bad).isEqualTo(ErrorCode.INVALID_USERNAME);
        }
        assertThat(cluster.node(1).stats().lookupsServed()).as("no peer was asked").isZero();
    }
}
