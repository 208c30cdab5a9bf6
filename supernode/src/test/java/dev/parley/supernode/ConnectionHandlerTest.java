package dev.parley.supernode;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.parley.protocol.Credentials;
import dev.parley.protocol.Ed25519KeyPair;
import dev.parley.protocol.ErrorClosingHandler;
import dev.parley.protocol.HostPort;
import dev.parley.protocol.PresenceRecords;
import dev.parley.protocol.wire.CallSignal;
import dev.parley.protocol.wire.Envelope;
import dev.parley.protocol.wire.ErrorCode;
import dev.parley.protocol.wire.Invite;
import dev.parley.protocol.wire.PeerHello;
import dev.parley.protocol.wire.PeerLookup;
import dev.parley.protocol.wire.Register;
import dev.parley.protocol.wire.RoutedSignal;
import dev.parley.protocol.wire.Search;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.nio.NioEventLoopGroup;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@link ConnectionHandler} on EmbeddedChannels: envelopes in, envelopes out, no sockets. */
class ConnectionHandlerTest {
    private static final HostPort SELF = new HostPort("192.0.2.1", 4000);
    private final Ed25519KeyPair loginKey = TestKeys.key(1);
    private final MutableClock clock = new MutableClock(Cluster.START);
    private final AtomicReference<byte[]> serverKey = new AtomicReference<>(loginKey.publicKey());
    private final NioEventLoopGroup unused = new NioEventLoopGroup(1); // no peers: never connects
    private final NodeContext node = context();

    private NodeContext context() {
        PeerConnections peers = new PeerConnections(unused, SELF, Duration.ofMillis(100));
        PresenceIndex presence = new PresenceIndex();
        UserLocator locator;
        try {
            // A real mesh socket with an empty peer table: searches find no peers to ask.
            MeshTransport transport = MeshTransport.bind(unused, new InetSocketAddress("127.0.0.1", 0), 5);
            Mesh mesh = new Mesh(transport, SELF, presence, clock, MeshSettings.DEFAULTS, Duration.ofSeconds(5), 7);
            locator = new UserLocator(mesh, serverKey::get, clock, SearchSettings.DEFAULTS, 9);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        presence.addListener(locator::invalidate);
        return new NodeContext(SELF, clock, TestKeys.seededSecureRandom(3), serverKey::get, () -> List.of(SELF),
                presence, locator, new SignalRouter(presence, locator, peers, Duration.ofMillis(100)),
                SearchSettings.DEFAULTS);
    }

    @AfterEach
    void stop() {
        unused.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }

    private EmbeddedChannel channel() {
        return new EmbeddedChannel(new ConnectionHandler(node), ErrorClosingHandler.INSTANCE);
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
                .setProof(ByteString.copyFrom(key.sign(Credentials.registerProofInput(nonce))))
                .setPresenceSignature(ByteString.copyFrom(PresenceRecords.sign(key, username, SELF, List.of(), now)))
                .setPresenceSignedAtMs(now)));
        assertThat(r.getRegistered().getSuperNodesList()).containsExactly(SELF.toAddress());
        return ch;
    }

    @Test
    void pushesServerHelloWithNonceAndAddress() {
        EmbeddedChannel ch = channel();
        Envelope hello = read(ch);
        assertThat(hello.getRequestId()).isZero();
        assertThat(hello.getServerHello().getNonce().size()).isEqualTo(ConnectionHandler.NONCE_BYTES);
        assertThat(HostPort.of(hello.getServerHello().getAddress())).isEqualTo(SELF);
        ch.finishAndReleaseAll();
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
        ch.writeInbound(dev.parley.protocol.Envelopes.error(0, ErrorCode.INTERNAL, "x"));
        ch.writeInbound(dev.parley.protocol.Envelopes.ok(0));
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
        EmbeddedChannel peer = channel();
        read(peer);
        peer.writeInbound(Envelope.newBuilder().setPeerHello(PeerHello.newBuilder().setAddress(
                new HostPort("192.0.2.2", 4000).toAddress())).build());

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
        ch.advanceTimeBy(ConnectionHandler.ROLE_TIMEOUT.toMillis() - 1, TimeUnit.MILLISECONDS);
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
        alice.advanceTimeBy(ConnectionHandler.ROLE_TIMEOUT.toMillis() * 2, TimeUnit.MILLISECONDS);
        alice.runScheduledPendingTasks();
        assertThat(alice.isActive()).isTrue();
        alice.finishAndReleaseAll();
    }
}
