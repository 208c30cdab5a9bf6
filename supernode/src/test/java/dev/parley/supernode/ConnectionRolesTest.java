package dev.parley.supernode;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.parley.protocol.Credentials;
import dev.parley.protocol.Ed25519KeyPair;
import dev.parley.protocol.Envelopes;
import dev.parley.protocol.ErrorClosingHandler;
import dev.parley.protocol.HostPort;
import dev.parley.protocol.PresenceRecords;
import dev.parley.protocol.SuperNodeCertificates;
import dev.parley.protocol.X25519KeyPair;
import dev.parley.protocol.wire.CallSignal;
import dev.parley.protocol.wire.Envelope;
import dev.parley.protocol.wire.ErrorCode;
import dev.parley.protocol.wire.Invite;
import dev.parley.protocol.wire.PeerHello;
import dev.parley.protocol.wire.PeerLookup;
import dev.parley.protocol.wire.Register;
import dev.parley.protocol.wire.RelayAllocate;
import dev.parley.protocol.wire.RelayBindTcp;
import dev.parley.protocol.wire.RelayPacket;
import dev.parley.protocol.wire.RoutedSignal;
import dev.parley.protocol.wire.Search;
import dev.parley.supernode.meshauth.MeshKeys;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.nio.NioEventLoopGroup;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A control connection on EmbeddedChannels, from {@link HandshakeHandler} to the role handler that
 * replaces it: envelopes in, envelopes out, no sockets.
 */
class ConnectionRolesTest {
    private static final HostPort SELF = new HostPort("192.0.2.1", 4000);
    private final Ed25519KeyPair loginKey = TestKeys.key(1);
    private final MutableClock clock = new MutableClock(Cluster.START);
    private final AtomicReference<byte[]> serverKey = new AtomicReference<>(loginKey.publicKey());
    private final NioEventLoopGroup unused = new NioEventLoopGroup(1); // no peers: never connects
    private static final HostPort PEER = new HostPort("192.0.2.2", 4000);
    private final Ed25519KeyPair peerKey = TestKeys.key(51);
    private final NodeIdentity identity = identity(TestKeys.key(50), SELF);
    private final NodeContext node = context();

    private NodeIdentity identity(Ed25519KeyPair key, HostPort at) {
        return new NodeIdentity(key, SuperNodeCertificates.issue(loginKey, key.publicKey(),
                X25519KeyPair.derive(key, SuperNodeCertificates.MESH_KEY_LABEL).publicKey(), at, clock.instant(),
                Duration.ofHours(6)), null);
    }

    /** @return a valid PeerHello of the certified peer at {@link #PEER} for a connection with {@code nonce} */
    private PeerHello peerHello(byte[] nonce) {
        NodeIdentity peer = identity(peerKey, PEER);
        byte[] input = SuperNodeCertificates.peerHelloInput(nonce, identity.nodeKey().publicKey(), null);
        return PeerHello.newBuilder().setAddress(PEER.toAddress()).setCertificate(peer.certificate())
                .setSignature(ByteString.copyFrom(peerKey.sign(input))).build();
    }

    /** @return a channel that became a verified peer link (ServerHello read, PeerHello pushed) */
    private EmbeddedChannel peerLink() {
        EmbeddedChannel peer = channel();
        byte[] nonce = read(peer).getServerHello().getNonce().toByteArray();
        peer.writeInbound(Envelope.newBuilder().setPeerHello(peerHello(nonce)).build());
        return peer;
    }

    private NodeContext context() {
        PeerConnections peers = new PeerConnections(unused, Duration.ofMillis(100), identity, serverKey::get, clock);
        PresenceIndex presence = new PresenceIndex();
        UserLocator locator;
        try {
            // A real mesh socket with an empty peer table: searches find no peers to ask.
            MeshTransport transport = MeshTransport.bind(unused, new InetSocketAddress("127.0.0.1", 0), new SplittableRandom(5),
                    new MeshKeys(identity.mesh(), serverKey::get, clock, TestKeys.seededSecureRandom(4), MeshKeys.Limits.DEFAULTS));
            Mesh mesh = new Mesh(transport, SELF, presence, clock, MeshSettings.DEFAULTS, Duration.ofSeconds(5), 7,
                    identity, serverKey::get);
            locator = new UserLocator(mesh, serverKey::get, clock, SearchSettings.DEFAULTS, 9);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        presence.addListener(locator::invalidate);
        return new NodeContext(SELF, clock, TestKeys.seededSecureRandom(3), serverKey::get, () -> List.of(SELF),
                presence, locator, new SignalRouter(presence, locator, peers, Duration.ofMillis(100)),
                SearchSettings.DEFAULTS, identity);
    }

    @AfterEach
    void stop() {
        unused.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }

    private EmbeddedChannel channel() {
        return new EmbeddedChannel(new HandshakeHandler(node), ErrorClosingHandler.INSTANCE);
    }

    private static Envelope read(EmbeddedChannel ch) {
        ch.runPendingTasks();
        Envelope e = ch.readOutbound();
        assertThat(e).as("an outbound envelope").isNotNull();
        return e;
    }

    private static Envelope request(EmbeddedChannel ch, long id, Envelope.Builder body) {
        ch.writeInbound(body.setRequestId(id).build());
        return read(ch);
    }

    /** @return a channel registered as {@code username}, its ServerHello consumed */
    private EmbeddedChannel registered(String username) {
        EmbeddedChannel ch = channel();
        byte[] nonce = read(ch).getServerHello().getNonce().toByteArray();
        Ed25519KeyPair key = TestKeys.userKey(username);
        long now = clock.millis();
        Envelope r = request(ch, 1, Envelope.newBuilder().setRegister(Register.newBuilder()
                .setCredential(Credentials.issue(loginKey, username, key.publicKey(), clock.instant(), Duration.ofHours(1)))
                .setProof(ByteString.copyFrom(key.sign(Credentials.registerProofInput(nonce,
                        identity.nodeKey().publicKey(), null)))) // EmbeddedChannel: no TLS, no exporter
                .setPresenceSignature(ByteString.copyFrom(PresenceRecords.sign(key, username, SELF, List.of(), now)))
                .setPresenceSignedAtMs(now)));
        assertThat(r.getRegistered().getSuperNodesList()).containsExactly(SELF.toAddress());
        return ch;
    }

    @Test
    void pushesServerHelloWithNonceAddressAndCertificate() {
        EmbeddedChannel ch = channel();
        Envelope hello = read(ch);
        assertThat(hello.getRequestId()).isZero();
        assertThat(hello.getServerHello().getNonce().size()).isEqualTo(HandshakeHandler.NONCE_BYTES);
        assertThat(HostPort.of(hello.getServerHello().getAddress())).isEqualTo(SELF);
        assertThat(hello.getServerHello().getCertificate()).isEqualTo(identity.certificate());
        ch.finishAndReleaseAll();
    }

    @Test
    void peerHelloWithoutAValidCertificateAndSignatureForThisConnectionIsRefusedAndCloses() {
        byte[] otherNonce = new byte[HandshakeHandler.NONCE_BYTES];
        PeerHello replayed = peerHello(otherNonce); // valid certificate, signed for another connection
        PeerHello bare = PeerHello.newBuilder().setAddress(PEER.toAddress()).build();
        PeerHello forgedCert = replayed.toBuilder().setCertificate(replayed.getCertificate().toBuilder()
                .setAddress(new HostPort("203.0.113.9", 4000).toAddress())).build();
        for (PeerHello hello : List.of(bare, replayed, forgedCert)) {
            EmbeddedChannel ch = channel();
            read(ch);
            Envelope r = request(ch, 1, Envelope.newBuilder().setPeerHello(hello));
            assertThat(r.getError().getCode()).as(hello.toString()).isEqualTo(ErrorCode.INVALID_CREDENTIAL);
            assertThat(ch.isActive()).isFalse();
            assertThat(ch.pipeline().get(PeerLinkHandler.class)).isNull();
        }
    }

    @Test
    void registerUntilKeyKnownIsInternalAndKeepsTheConnection() {
        serverKey.set(null);
        EmbeddedChannel ch = channel();
        read(ch);
        Envelope r = request(ch, 9, Envelope.newBuilder().setRegister(Register.getDefaultInstance()));
        assertThat(r.getRequestId()).isEqualTo(9);
        assertThat(r.getError().getCode()).isEqualTo(ErrorCode.INTERNAL);
        assertThat(ch.isActive()).isTrue();
        ch.finishAndReleaseAll();
    }

    @Test
    void missingCredentialIsInvalidAndCloses() {
        EmbeddedChannel ch = channel();
        read(ch);
        Envelope r = request(ch, 2, Envelope.newBuilder().setRegister(Register.getDefaultInstance()));
        assertThat(r.getError().getCode()).isEqualTo(ErrorCode.INVALID_CREDENTIAL);
        assertThat(ch.isActive()).isFalse();
    }

    @Test
    void registrationLivesAsLongAsTheChannel() {
        EmbeddedChannel alice = registered("alice");
        assertThat(node.presence().get("alice")).isNotNull();
        Envelope r = request(alice, 2, Envelope.newBuilder().setSearch(Search.newBuilder().setUsername("alice")));
        assertThat(r.getSearchResult().getFound()).isTrue();
        alice.close();
        assertThat(node.presence().get("alice")).isNull();
    }

    @Test
    void unsolicitedErrorAndOkPushesAreIgnored() {
        EmbeddedChannel ch = channel();
        read(ch);
        ch.writeInbound(Envelopes.error(0, ErrorCode.INTERNAL, "x"));
        ch.writeInbound(Envelopes.ok(0));
        ch.runPendingTasks();
        Object none = ch.readOutbound();
        assertThat(none).isNull();
        assertThat(ch.isActive()).isTrue();
        ch.finishAndReleaseAll();
    }

    @Test
    void requestWithIdZeroIsBadRequest() {
        EmbeddedChannel alice = registered("alice");
        Envelope r = request(alice, 0, Envelope.newBuilder().setSearch(Search.newBuilder().setUsername("bob")));
        assertThat(r.getError().getCode()).isEqualTo(ErrorCode.BAD_REQUEST);
        alice.finishAndReleaseAll();
    }

    @Test
    void peerLinkAnswersLookupsAndDeliversRoutedSignals() {
        EmbeddedChannel bob = registered("bob");
        EmbeddedChannel peer = peerLink();

        Envelope found = request(peer, 1, Envelope.newBuilder().setPeerLookup(PeerLookup.newBuilder().setUsername("BOB")));
        assertThat(found.getPeerLookupResult().getFound()).isTrue();
        assertThat(found.getPeerLookupResult().getRecord().getCredential().getUsername()).isEqualTo("bob");
        Envelope missing = request(peer, 2, Envelope.newBuilder().setPeerLookup(PeerLookup.newBuilder().setUsername("carol")));
        assertThat(missing.getPeerLookupResult().getFound()).isFalse();

        CallSignal invite = CallSignal.newBuilder().setCallId("c1").setFrom("alice").setTo("bob")
                .setInvite(Invite.getDefaultInstance()).build();
        assertThat(request(peer, 3, Envelope.newBuilder().setRoutedSignal(RoutedSignal.newBuilder().setSignal(invite)))
                .hasOk()).isTrue();
        assertThat(read(bob).getCallSignal()).isEqualTo(invite);

        Envelope offline = request(peer, 4, Envelope.newBuilder().setRoutedSignal(RoutedSignal.newBuilder()
                .setSignal(invite.toBuilder().setTo("carol"))));
        assertThat(offline.getError().getCode()).isEqualTo(ErrorCode.USER_OFFLINE);

        Envelope search = request(peer, 5, Envelope.newBuilder().setSearch(Search.newBuilder().setUsername("bob")));
        assertThat(search.getError().getCode()).as("client requests on a peer link").isEqualTo(ErrorCode.BAD_REQUEST);
        bob.finishAndReleaseAll();
        peer.finishAndReleaseAll();
    }

    @Test
    void connectionWithoutARoleIsClosedAfterTheTimeout() {
        EmbeddedChannel ch = channel();
        read(ch);
        ch.advanceTimeBy(HandshakeHandler.ROLE_TIMEOUT.toMillis() - 1, TimeUnit.MILLISECONDS);
        ch.runScheduledPendingTasks();
        assertThat(ch.isActive()).isTrue();
        ch.advanceTimeBy(1, TimeUnit.MILLISECONDS);
        ch.runScheduledPendingTasks();
        assertThat(read(ch).getError().getCode()).isEqualTo(ErrorCode.BAD_REQUEST);
        assertThat(ch.isActive()).isFalse();
    }

    @Test
    void registeredConnectionIsNotClosedByTheRoleTimeout() {
        EmbeddedChannel alice = registered("alice");
        alice.advanceTimeBy(HandshakeHandler.ROLE_TIMEOUT.toMillis() * 2, TimeUnit.MILLISECONDS);
        alice.runScheduledPendingTasks();
        assertThat(alice.isActive()).isTrue();
        alice.finishAndReleaseAll();
    }

    @Test
    void eachRoleReplacesTheHandshakeInThePipeline() {
        EmbeddedChannel alice = registered("alice");
        assertThat(alice.pipeline().get(HandshakeHandler.class)).isNull();
        assertThat(alice.pipeline().get(ClientSessionHandler.NAME)).isInstanceOf(ClientSessionHandler.class);

        EmbeddedChannel peer = channel();
        byte[] nonce = read(peer).getServerHello().getNonce().toByteArray();
        Envelope ok = request(peer, 7, Envelope.newBuilder().setPeerHello(peerHello(nonce)));
        assertThat(ok.getRequestId()).as("the handed-over PeerHello is answered by the peer link").isEqualTo(7);
        assertThat(ok.hasOk()).isTrue();
        assertThat(peer.pipeline().get(HandshakeHandler.class)).isNull();
        assertThat(peer.pipeline().get(PeerLinkHandler.NAME)).isInstanceOf(PeerLinkHandler.class);
        assertThat(request(peer, 8, Envelope.newBuilder().setPeerHello(PeerHello.getDefaultInstance())).hasOk())
                .as("a later PeerHello is answered, and changes nothing").isTrue();
        alice.finishAndReleaseAll();
        peer.finishAndReleaseAll();
    }

    @Test
    void messagesOfAnotherRoleAreRefusedByEveryRole() {
        EmbeddedChannel fresh = channel();
        read(fresh);
        Envelope search = request(fresh, 1, Envelope.newBuilder().setSearch(Search.newBuilder().setUsername("bob")));
        assertThat(search.getError().getCode()).isEqualTo(ErrorCode.NOT_REGISTERED);
        assertThat(search.getError().getMessage()).isEqualTo("SEARCH needs a registered session: send Register first");
        Envelope lookup = request(fresh, 2, Envelope.newBuilder().setPeerLookup(PeerLookup.newBuilder().setUsername("bob")));
        assertThat(lookup.getError().getMessage()).isEqualTo("PEER_LOOKUP is for super nodes: send PeerHello first");
        Envelope relay = request(fresh, 3, Envelope.newBuilder().setRelayAllocate(RelayAllocate.getDefaultInstance()));
        assertThat(relay.getError().getMessage()).as("no media relay in this context")
                .isEqualTo("this super node has no media relay");
        assertThat(fresh.isActive()).isTrue();

        EmbeddedChannel alice = registered("alice");
        Envelope peerRequest = request(alice, 2, Envelope.newBuilder().setPeerLookup(PeerLookup.newBuilder().setUsername("bob")));
        assertThat(peerRequest.getError().getCode()).isEqualTo(ErrorCode.BAD_REQUEST);
        assertThat(peerRequest.getError().getMessage()).isEqualTo("PEER_LOOKUP is not allowed on a client connection");
        Envelope again = request(alice, 3, Envelope.newBuilder().setRegister(Register.getDefaultInstance()));
        assertThat(again.getError().getMessage()).as("a re-registration (ReregistrationTest), verified like the first")
                .isEqualTo("credential: missing");
        Envelope hello = request(alice, 4, Envelope.newBuilder().setPeerHello(PeerHello.getDefaultInstance()));
        assertThat(hello.getError().getMessage()).isEqualTo("PEER_HELLO on a registered client connection");
        assertThat(alice.isActive()).isTrue();
        alice.writeInbound(Envelope.newBuilder().setRelayPacket(RelayPacket.newBuilder()
                .setPacket(ByteString.copyFrom(new byte[10]))).build());
        assertThat(read(alice).getError().getMessage()).isEqualTo("RELAY_PACKET before RelayBindTcp");
        assertThat(alice.isActive()).as("relay packets on a session close it").isFalse();
        assertThat(node.presence().get("alice")).as("and unregister it").isNull();

        EmbeddedChannel peer = peerLink();
        Envelope register = request(peer, 5, Envelope.newBuilder().setRegister(Register.getDefaultInstance()));
        assertThat(register.getError().getMessage()).isEqualTo("REGISTER: this connection is already a peer link");
        fresh.finishAndReleaseAll();
        peer.finishAndReleaseAll();
    }

    @Test
    void relayBindWithoutAMediaRelayIsRefusedAndCloses() {
        EmbeddedChannel ch = channel();
        read(ch);
        Envelope r = request(ch, 4, Envelope.newBuilder().setRelayBindTcp(RelayBindTcp.newBuilder()
                .setToken(ByteString.copyFrom(new byte[16]))));
        assertThat(r.getError().getMessage()).isEqualTo("RELAY_BIND_TCP: not a fresh connection to a relay");
        assertThat(ch.isActive()).isFalse();
        assertThat(ch.pipeline().get(TcpRelayHandler.class)).isNull();
    }
}
