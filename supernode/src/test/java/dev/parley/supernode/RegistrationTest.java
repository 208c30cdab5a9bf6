package dev.parley.supernode;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.parley.protocol.Credentials;
import dev.parley.protocol.Ed25519KeyPair;
import dev.parley.protocol.HostPort;
import dev.parley.protocol.PresenceRecords;
import dev.parley.protocol.ProtocolException;
import dev.parley.protocol.tls.TlsSockets;
import dev.parley.protocol.wire.Address;
import dev.parley.protocol.wire.Candidate;
import dev.parley.protocol.wire.Credential;
import dev.parley.protocol.wire.Envelope;
import dev.parley.protocol.wire.ErrorCode;
import dev.parley.protocol.wire.Login;
import dev.parley.protocol.wire.PeerLookup;
import dev.parley.protocol.wire.Register;
import dev.parley.protocol.wire.Search;
import dev.parley.protocol.wire.SearchResult;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Registration, bad input and session lifecycle on a single super node. */
class RegistrationTest {
    @TempDir
    Path dir;
    @AutoClose
    Cluster cluster;

    @BeforeEach
    void start() throws Exception {
        cluster = new Cluster(1, dir, List.of());
    }

    @Test
    void registersAndPublishesPresenceWithCandidates() throws Exception {
        SuperNode sn = cluster.node(0);
        HostPort extra = new HostPort("127.0.0.1", 1);
        cluster.login.addPeer(extra);
        Await.until("directory with the extra peer", () -> sn.knownPeers().contains(extra));

        TestClient alice = cluster.connect(0);
        assertThat(alice.nonce).hasSize(32);
        assertThat(alice.serverAddress).isEqualTo(sn.advertisedAddress());
        Candidate host = Candidate.newBuilder().setType(Candidate.Type.HOST)
                .setAddress(Address.newBuilder().setHost("10.0.0.5").setPort(40000)).setPriority(126).build();
        byte[] proof = Cluster.keyOf("alice").sign(alice.proofInput());
        long signedAt = cluster.clock.millis();
        byte[] presence = PresenceRecords.sign(Cluster.keyOf("alice"), "alice", alice.serverAddress, List.of(host), signedAt);
        Envelope registered = TestClient.await(alice.request(Envelope.newBuilder().setRegister(Register.newBuilder()
                .setCredential(cluster.credential("alice")).setProof(ByteString.copyFrom(proof)).addCandidates(host)
                .setChannelBound(alice.exporter != null)
                .setPresenceSignature(ByteString.copyFrom(presence)).setPresenceSignedAtMs(signedAt))));

        assertThat(registered.getRegistered().getSuperNodesList()).containsExactly(extra.toAddress());
        assertThat(sn.onlineUsers()).isEqualTo(1);
        SearchResult self = alice.search("ALICE");
        assertThat(self.getFound()).isTrue();
        assertThat(self.getSupernodesContacted()).isZero();
        assertThat(self.getRecord().getCredential().getUsername()).isEqualTo("alice");
        assertThat(self.getRecord().getSuperNode()).isEqualTo(sn.advertisedAddress().toAddress());
        assertThat(self.getRecord().getCandidatesList()).containsExactly(host);
        assertThat(self.getRecord().getUpdatedAtMs()).isEqualTo(Cluster.START.toEpochMilli());
        // The record is the client's own signed statement: verifiable with the login server's key alone.
        PresenceRecords.verify(cluster.login.key.publicKey(), self.getRecord(), "alice", cluster.clock.instant(),
                PresenceRecords.DEFAULT_MAX_AGE);
    }

    @Test
    void registrationWithoutOrWithAForgedPresenceSignatureIsRefused() throws Exception {
        TestClient missing = cluster.connect(0);
        ProtocolException e = TestClient.failure(missing.register(cluster.credential("alice"),
                Cluster.keyOf("alice").sign(missing.proofInput())));
        assertThat(e.code()).isEqualTo(ErrorCode.INVALID_CREDENTIAL);
        assertThat(e.getMessage()).contains("presence_signature: missing");
        missing.awaitClosed();

        TestClient forged = cluster.connect(0);
        ProtocolException f = TestClient.failure(forged.register(cluster.credential("alice"),
                Cluster.keyOf("alice").sign(forged.proofInput()), TestKeys.key(666)));
        assertThat(f.code()).isEqualTo(ErrorCode.INVALID_CREDENTIAL);
        assertThat(f.getMessage()).contains("presence signature does not verify");
        forged.awaitClosed();
        assertThat(cluster.node(0).onlineUsers()).isZero();
    }

    @Test
    void forgedCredentialIsRejectedAndClosed() throws Exception {
        Ed25519KeyPair attacker = TestKeys.key(666);
        Credential forged = Credentials.issue(attacker, "alice", Cluster.keyOf("alice").publicKey(),
                cluster.clock.instant(), Duration.ofHours(1));
        assertRefused(forged, Cluster.keyOf("alice"), ErrorCode.INVALID_CREDENTIAL, "signature");
    }

    @Test
    void expiredCredentialIsRejectedAndClosed() throws Exception {
        Credential old = cluster.login.issue("alice", Cluster.keyOf("alice"),
                cluster.clock.instant().minus(Duration.ofHours(2)), Duration.ofHours(1));
        assertRefused(old, Cluster.keyOf("alice"), ErrorCode.EXPIRED_CREDENTIAL, "expired");
    }

    @Test
    void credentialExpiresWithTheInjectedClock() throws Exception {
        Credential c = cluster.credential("alice");
        cluster.clock.advance(Cluster.CREDENTIAL_LIFETIME.plus(Credentials.CLOCK_SKEW).plusSeconds(1));
        assertRefused(c, Cluster.keyOf("alice"), ErrorCode.EXPIRED_CREDENTIAL, "expired");
    }

    @Test
    void proofWithAnotherKeyIsRejectedAndClosed() throws Exception {
        assertRefused(cluster.credential("alice"), TestKeys.key(7), ErrorCode.INVALID_CREDENTIAL, "proof");
    }

    @Test
    void proofOverAnotherNonceIsRejected() throws Exception {
        TestClient c = cluster.connect(0);
        byte[] otherNonce = c.nonce.clone();
        otherNonce[0] ^= 1;
        byte[] proof = Cluster.keyOf("alice").sign(Credentials.registerProofInput(otherNonce, c.nodeKey, c.exporter));
        ProtocolException e = TestClient.failure(c.register(cluster.credential("alice"), proof));
        assertThat(e.code()).isEqualTo(ErrorCode.INVALID_CREDENTIAL);
        c.awaitClosed();
        assertThat(cluster.node(0).onlineUsers()).isZero();
    }

    @Test
    void noncesDifferPerConnection() throws Exception {
        assertThat(cluster.connect(0).nonce).isNotEqualTo(cluster.connect(0).nonce);
    }

    private void assertRefused(Credential credential, Ed25519KeyPair proofKey, ErrorCode code, String message)
            throws Exception {
        TestClient c = cluster.connect(0);
        ProtocolException e = TestClient.failure(c.register(credential, proofKey));
        assertThat(e.code()).isEqualTo(code);
        assertThat(e.getMessage()).contains(message);
        c.awaitClosed();
        assertThat(cluster.node(0).onlineUsers()).isZero();
        assertStillServing();
    }

    private void assertStillServing() throws Exception {
        TestClient bob = cluster.signIn(0, "bob");
        assertThat(bob.search("bob").getFound()).isTrue();
    }

    @Test
    void garbageFrameGetsBadRequestAndClose() throws Exception {
        assertRawInputClosesWith(new byte[] {3, (byte) 0xff, (byte) 0xff, (byte) 0xff}, ErrorCode.BAD_REQUEST);
    }

    @Test
    void oversizedFrameGetsFrameTooLargeAndClose() throws Exception {
        // varint32 of 1_000_000: more than the 64 KiB limit; no payload needs to follow
        assertRawInputClosesWith(new byte[] {(byte) 0xc0, (byte) 0x84, 0x3d}, ErrorCode.FRAME_TOO_LARGE);
    }

    private void assertRawInputClosesWith(byte[] input, ErrorCode code) throws Exception {
        HostPort sn = cluster.node(0).advertisedAddress();
        try (Socket s = TlsSockets.open(sn.host(), sn.port())) {
            InputStream in = s.getInputStream();
            OutputStream out = s.getOutputStream();
            assertThat(Envelope.parseDelimitedFrom(in).hasServerHello()).isTrue();
            out.write(input);
            out.flush();
            Envelope error = Envelope.parseDelimitedFrom(in);
            assertThat(error.getError().getCode()).isEqualTo(code);
            assertThat(in.read()).as("end of stream after the error").isEqualTo(-1);
        }
        assertStillServing();
    }

    @Test
    void requestsBeforeRegisterGetNotRegisteredAndConnectionStaysOpen() throws Exception {
        TestClient c = cluster.connect(0);
        ProtocolException e = TestClient.failure(c.request(Envelope.newBuilder()
                .setSearch(Search.newBuilder().setUsername("bob"))));
        assertThat(e.code()).isEqualTo(ErrorCode.NOT_REGISTERED);
        ProtocolException peer = TestClient.failure(c.request(Envelope.newBuilder()
                .setPeerLookup(PeerLookup.newBuilder().setUsername("bob"))));
        assertThat(peer.code()).isEqualTo(ErrorCode.NOT_REGISTERED);

        assertThat(TestClient.await(c.register(cluster.credential("carol"), Cluster.keyOf("carol"))).hasRegistered()).isTrue();
        assertThat(c.search("carol").getFound()).isTrue();
    }

    @Test
    void unexpectedMessagesGetBadRequest() throws Exception {
        TestClient c = cluster.signIn(0, "alice");
        ProtocolException login = TestClient.failure(c.request(Envelope.newBuilder().setLogin(Login.newBuilder().setUsername("x"))));
        assertThat(login.code()).isEqualTo(ErrorCode.BAD_REQUEST);
        ProtocolException peerOnClient = TestClient.failure(c.request(Envelope.newBuilder()
                .setPeerLookup(PeerLookup.newBuilder().setUsername("alice"))));
        assertThat(peerOnClient.code()).isEqualTo(ErrorCode.BAD_REQUEST);
        // A second Register is a re-registration (ReregistrationTest); the same one again is a replay.
        ProtocolException again = TestClient.failure(c.register(cluster.credential("alice"), Cluster.keyOf("alice")));
        assertThat(again.code()).isEqualTo(ErrorCode.INVALID_CREDENTIAL);
        assertThat(c.search("alice").getFound()).as("still registered and served").isTrue();
    }

    @Test
    void invalidSearchNameGetsInvalidUsername() throws Exception {
        TestClient c = cluster.signIn(0, "alice");
        ProtocolException e = TestClient.failure(c.request(Envelope.newBuilder()
                .setSearch(Search.newBuilder().setUsername("no spaces!"))));
        assertThat(e.code()).isEqualTo(ErrorCode.INVALID_USERNAME);
    }

    @Test
    void theSameDeviceRegisteringAgainReplacesItsOldSession() throws Exception {
        TestClient first = cluster.signIn(0, "bob");
        TestClient second = cluster.signIn(0, "bob");

        Envelope kicked = first.nextPush();
        assertThat(kicked.getRequestId()).isZero();
        assertThat(kicked.getError().getCode()).isEqualTo(ErrorCode.NOT_REGISTERED);
        assertThat(kicked.getError().getMessage()).isEqualTo("signed in again from this device");
        first.awaitClosed();

        assertThat(cluster.node(0).onlineUsers()).isEqualTo(1);
        SearchResult found = second.search("bob");
        assertThat(found.getFound()).as("old connection's close keeps the new session").isTrue();
        assertThat(found.getDevicesList()).as("one device, not two").isEmpty();
    }

    @Test
    void disconnectRemovesPresence() throws Exception {
        TestClient alice = cluster.signIn(0, "alice");
        TestClient bob = cluster.signIn(0, "bob");
        assertThat(alice.search("bob").getFound()).isTrue();
        bob.close();
        Await.until("bob unregistered", () -> cluster.node(0).onlineUsers() == 1);
        SearchResult r = alice.search("bob");
        assertThat(r.getFound()).isFalse();
        assertThat(r.getSupernodesContacted()).isZero(); // no peers in this cluster
    }
}
