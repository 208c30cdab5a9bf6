package dev.parley.supernode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.parley.protocol.Credentials;
import dev.parley.protocol.Envelopes;
import dev.parley.protocol.HostPort;
import dev.parley.protocol.ProtocolException;
import dev.parley.protocol.SuperNodeCertificates;
import dev.parley.protocol.X25519KeyPair;
import dev.parley.protocol.wire.CallSignal;
import dev.parley.protocol.wire.Envelope;
import dev.parley.protocol.wire.ErrorCode;
import dev.parley.protocol.wire.Invite;
import dev.parley.protocol.wire.MeshPing;
import dev.parley.protocol.wire.PeerHello;
import dev.parley.protocol.wire.Register;
import dev.parley.protocol.wire.RoutedSignal;
import dev.parley.protocol.wire.SuperNodeCertificate;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Certified super nodes over real sockets (docs/security.md "Certified super nodes"): each attack of
 * issue 10 items 3 and 5 against a running super node, and the enrolment life cycle.
 */
class CertifiedSuperNodeTest {
    @TempDir
    Path dir;

    @AutoClose
    private Cluster cluster;

    private RawConnection raw(HostPort to) throws Exception {
        return RawConnection.open(cluster.clients, to);
    }

    private static Envelope.Builder ring(String from, String to) {
        return Envelope.newBuilder().setRoutedSignal(RoutedSignal.newBuilder().setSignal(CallSignal.newBuilder()
                .setCallId("forged-1").setFrom(from).setTo(to).setInvite(Invite.getDefaultInstance())));
    }

    private static ProtocolException refusal(RawConnection raw, Envelope.Builder request) throws Exception {
        try {
            Envelope e = raw.connection().request(request, TestClient.WAIT).get(TestClient.WAIT.toMillis(), TimeUnit.MILLISECONDS);
            throw new AssertionError("expected a refusal, got " + e);
        } catch (ExecutionException e) {
            assertThat(e.getCause()).isInstanceOf(ProtocolException.class);
            return (ProtocolException) e.getCause();
        }
    }

    @Test
    void uncertifiedPeerHelloCannotRouteASignal() throws Exception {
        cluster = new Cluster(1, dir, List.of());
        TestClient bob = cluster.signIn(0, "bob");
        HostPort sn = cluster.node(0).advertisedAddress();

        // The attack of issue 10: a stranger says PeerHello, then rings bob as alice.
        RawConnection stranger = raw(sn);
        stranger.next(); // ServerHello
        ProtocolException bare = refusal(stranger, Envelope.newBuilder().setPeerHello(PeerHello.newBuilder()
                .setAddress(new HostPort("203.0.113.5", 4000).toAddress())));
        assertThat(bare.code()).isEqualTo(ErrorCode.INVALID_CREDENTIAL);
        assertThat(bare.getMessage()).contains("only certified super nodes may open peer links");
        stranger.connection().closeFuture().get(TestClient.WAIT.toMillis(), TimeUnit.MILLISECONDS);

        // A self-made certificate (another login server's key) does no better.
        RawConnection selfMade = raw(sn);
        Envelope hello = selfMade.next();
        FakeLoginServer other = new FakeLoginServer(TestKeys.key(999));
        try {
            other.clock = cluster.clock;
            CertifiedPeer forger = new CertifiedPeer(other, TestKeys.key(998), new HostPort("127.0.0.1", 2));
            ProtocolException forged = refusal(selfMade, Envelope.newBuilder().setPeerHello(
                    forger.hello(hello.getServerHello(), selfMade.connection().channel())));
            assertThat(forged.getMessage()).contains("signature does not verify with the login server's key");
        } finally {
            other.close();
        }
        // A signal on a connection without a role is refused too.
        RawConnection noRole = raw(sn);
        noRole.next();
        assertThat(refusal(noRole, ring("alice", "bob")).getMessage()).contains("send PeerHello first");

        // A certified peer's link does deliver: the refusals above are the certificate's doing.
        RawConnection certified = raw(sn);
        Envelope h = certified.next();
        CertifiedPeer peer = new CertifiedPeer(cluster.login, TestKeys.key(77), new HostPort("127.0.0.1", 3));
        assertThat(certified.connection().request(Envelope.newBuilder().setPeerHello(peer.hello(h.getServerHello(),
                certified.connection().channel())), TestClient.WAIT).get(10, TimeUnit.SECONDS).hasOk()).isTrue();
        assertThat(certified.connection().request(ring("carol", "bob"), TestClient.WAIT).get(10, TimeUnit.SECONDS).hasOk())
                .isTrue();
        CallSignal delivered = bob.nextPush().getCallSignal();
        assertThat(delivered.getFrom()).as("only the certified link's signal reached bob").isEqualTo("carol");
    }

    @Test
    void relayedRegistrationProofIsRefused() throws Exception {
        cluster = new Cluster(2, dir, List.of());
        // Alice talks to super node 0, certified but malicious: it showed alice super node 1's nonce
        // as its own, so alice signed that nonce, with super node 0's key and her connection's exporter.
        TestClient alice = cluster.connect(0);
        TestClient relay = cluster.connect(1); // super node 0's own connection to the victim
        byte[] relayedProof = Cluster.keyOf("alice").sign(Credentials.registerProofInput(relay.nonce, alice.nodeKey,
                alice.exporter));
        ProtocolException e = TestClient.failure(relay.register(cluster.credential("alice"), relayedProof,
                Cluster.keyOf("alice")));
        assertThat(e.code()).isEqualTo(ErrorCode.INVALID_CREDENTIAL);
        assertThat(e.getMessage()).contains("signed for another super node");

        // Dropping the exporter does not help: the node key alone already binds the proof.
        TestClient again = cluster.connect(1);
        byte[] unbound = Cluster.keyOf("alice").sign(Credentials.registerProofInput(again.nonce, alice.nodeKey, null));
        Envelope.Builder downgraded = Envelope.newBuilder().setRegister(Register.newBuilder()
                .setCredential(cluster.credential("alice")).setProof(ByteString.copyFrom(unbound)).setChannelBound(false));
        assertThat(TestClient.failure(again.request(downgraded)).getMessage()).contains("signed for another super node");
        assertThat(cluster.node(1).onlineUsers()).isZero();

        // The same proof made for super node 1 itself is accepted (the refusals are the binding's doing).
        TestClient honest = cluster.connect(1);
        assertThat(TestClient.await(honest.register(cluster.credential("alice"), Cluster.keyOf("alice"))).hasRegistered())
                .isTrue();
        assertThat(honest.certificate.getNodeKey().toByteArray()).isEqualTo(honest.nodeKey);
    }

    @Test
    void gossipWithBareForgedExpiredOrForeignAddressCertificatesPlantsNothing() throws Exception {
        cluster = new Cluster(1, dir, List.of());
        SuperNode sn = cluster.node(0);
        FakePeer fake = new FakePeer(cluster.clients, cluster.login);
        FakePeer stranger = new FakePeer(cluster.clients, cluster.login); // certified, not in the directory
        FakeLoginServer otherLogin = new FakeLoginServer(TestKeys.key(999));
        try {
            cluster.login.addPeer(fake.address);
            Await.until("the fake peer in the table", () -> sn.knownPeers().contains(fake.address));
            otherLogin.clock = cluster.clock;
            HostPort foreign = new HostPort("127.0.0.1", 30_001);
            HostPort moved = new HostPort("127.0.0.1", 30_002);
            HostPort stale = new HostPort("127.0.0.1", 30_003);
            HostPort good = new HostPort("127.0.0.1", 30_007);
            SuperNodeCertificate altered = cluster.login.certify(TestKeys.key(201), new HostPort("127.0.0.1", 30_009),
                    cluster.clock.instant()).toBuilder().setAddress(moved.toAddress()).build();
            SuperNodeCertificate expired = SuperNodeCertificates.issue(cluster.login.key, TestKeys.key(202).publicKey(),
                    X25519KeyPair.derive(TestKeys.key(202), SuperNodeCertificates.MESH_KEY_LABEL).publicKey(), stale,
                    cluster.clock.instant().minus(Duration.ofHours(7)), Duration.ofHours(6));
            fake.gossip.addAll(List.of(otherLogin.certify(TestKeys.key(200), foreign, cluster.clock.instant()), altered,
                    expired, cluster.login.certify(TestKeys.key(203), good, cluster.clock.instant())));

            // A stranger's pings: the old bare-address gossip, and a valid certificate that names another address.
            HostPort bareFrom = new HostPort("127.0.0.1", 30_004);
            HostPort named = new HostPort("127.0.0.1", 30_006);
            byte[] barePing = Envelopes.builder(7).setMeshPing(MeshPing.newBuilder().setFrom(bareFrom.toAddress())
                    .addKnownSuperNodes(new HostPort("127.0.0.1", 30_005).toAddress())).build().toByteArray();
            byte[] foreignPing = Envelopes.builder(8).setMeshPing(MeshPing.newBuilder().setFrom(named.toAddress())
                    .addCertificates(cluster.login.certify(TestKeys.key(204), named, cluster.clock.instant())))
                    .build().toByteArray();
            SuperNodeCertificate snCertificate = cluster.connect(0).certificate; // from its ServerHello
            stranger.sendSealed(snCertificate, barePing); // sealed: they reach the mesh, as a certified stranger's would
            stranger.sendSealed(snCertificate, foreignPing);

            Await.until("the valid gossiped certificate is taken", () -> {
                sn.meshRound().get(10, TimeUnit.SECONDS);
                return sn.knownPeers().contains(good);
            });
            assertThat(sn.knownPeers()).doesNotContain(foreign, moved, stale, bareFrom, new HostPort("127.0.0.1", 30_005),
                    named);
            assertThat(sn.mesh().certificates().byAddress(good).getNodeKey().toByteArray())
                    .isEqualTo(TestKeys.key(203).publicKey());

            // Repeated valid certificates cost no new verification.
            fake.gossip.clear();
            fake.gossip.add(cluster.login.certify(TestKeys.key(203), good, cluster.clock.instant().minusSeconds(1)));
            sn.meshRound().get(10, TimeUnit.SECONDS);
            long[] before = new long[1];
            sn.mesh().loop().submit(() -> before[0] = sn.mesh().certificates().verifications()).get(10, TimeUnit.SECONDS);
            for (int i = 0; i < 3; i++) {
                sn.meshRound().get(10, TimeUnit.SECONDS);
            }
            long[] after = new long[1];
            sn.mesh().loop().submit(() -> after[0] = sn.mesh().certificates().verifications()).get(10, TimeUnit.SECONDS);
            assertThat(after[0]).as("cache hits only").isEqualTo(before[0]);
        } finally {
            fake.close();
            stranger.close();
            otherLogin.close();
        }
    }

    @Test
    void enrolmentIsNeededOnceThenRenewalsUntilRevoked() throws Exception {
        cluster = new Cluster(0, dir, List.of());
        Path data = dir.resolve("solo");
        SuperNodeConfig unenrolled = cluster.config(data).withEnrollToken(null);
        assertThatThrownBy(() -> SuperNode.start(unenrolled)).hasMessageContaining("not enrolled")
                .hasMessageContaining("parley login-server enroll").hasMessageContaining("--enroll TOKEN");

        SuperNodeConfig wrongToken = cluster.config(data).withEnrollToken("guess");
        try (SuperNode sn = SuperNode.start(wrongToken)) {
            assertThatThrownBy(() -> sn.ready().get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(ProtocolException.class)
                    .hasMessageContaining("refused the enrolment");
        }
        byte[] nodeKey;
        try (SuperNode sn = SuperNode.start(cluster.config(data))) {
            sn.ready().get(10, TimeUnit.SECONDS);
            nodeKey = sn.certificate().getNodeKey().toByteArray();
        }
        int renewals = cluster.login.renewals.get();
        try (SuperNode sn = SuperNode.start(unenrolled)) { // certificate stored: no token needed
            sn.ready().get(10, TimeUnit.SECONDS);
            assertThat(sn.certificate().getNodeKey().toByteArray()).as("the same node key").isEqualTo(nodeKey);
            assertThat(cluster.login.renewals.get()).isGreaterThan(renewals);
        }
        cluster.login.revoke(nodeKey);
        try (SuperNode sn = SuperNode.start(unenrolled)) {
            assertThatThrownBy(() -> sn.ready().get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(ProtocolException.class)
                    .hasMessageContaining("refused the certificate renewal");
        }
    }

    @Test
    void certificateIsRenewedAtHalfLifeWhileServing() throws Exception {
        cluster = new Cluster(0, dir, List.of());
        cluster.login.certificateLifetime = Duration.ofHours(2);
        try (SuperNode sn = SuperNode.start(cluster.config(dir.resolve("renewing")))) {
            sn.ready().get(10, TimeUnit.SECONDS);
            long firstIssued = sn.certificate().getIssuedAtMs();
            cluster.clock.advance(Duration.ofMinutes(59));
            int beats = cluster.login.heartbeats.get();
            Await.until("heartbeats go on", () -> cluster.login.heartbeats.get() > beats + 2);
            assertThat(sn.certificate().getIssuedAtMs()).as("not before half-life").isEqualTo(firstIssued);
            cluster.clock.advance(Duration.ofMinutes(2));
            Await.until("renewed at half-life", () -> sn.certificate().getIssuedAtMs() > firstIssued);
            assertThat(sn.certificate().getExpiresAtMs()).isEqualTo(cluster.clock.millis() + Duration.ofHours(2).toMillis());
        }
    }
}
