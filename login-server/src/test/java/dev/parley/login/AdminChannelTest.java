package dev.parley.login;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.parley.protocol.AdminRequests;
import dev.parley.protocol.ControlConnection;
import dev.parley.protocol.Ed25519KeyPair;
import dev.parley.protocol.Envelopes;
import dev.parley.protocol.HostPort;
import dev.parley.protocol.ProtocolException;
import dev.parley.protocol.tls.ChannelBinding;
import dev.parley.protocol.tls.KeyVerifier;
import dev.parley.protocol.tls.Tls;
import dev.parley.protocol.wire.AdminCommand;
import dev.parley.protocol.wire.AdminHello;
import dev.parley.protocol.wire.AdminRequest;
import dev.parley.protocol.wire.Envelope;
import dev.parley.protocol.wire.ErrorCode;
import dev.parley.protocol.wire.ListAccounts;
import dev.parley.protocol.wire.SetAccountDisabled;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Attacks on the admin channel of a real login server over TLS on 127.0.0.1: unsigned, forged,
 * replayed and unauthorized requests are refused (and do nothing), refusals are no larger than the
 * request and are rate limited.
 */
class AdminChannelTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static EventLoopGroup clientGroup;

    @TempDir
    Path dataDir;

    private final MutableClock clock = new MutableClock(TestSupport.T0);
    private final Ed25519KeyPair admin = Ed25519KeyPair.generate(TestSupport.seededRandom(71));
    private final Ed25519KeyPair stranger = Ed25519KeyPair.generate(TestSupport.seededRandom(72));
    private LoginServer server;
    private final AdminCommand disableAlice = AdminCommand.newBuilder()
            .setSetAccountDisabled(SetAccountDisabled.newBuilder().setUsername("alice").setDisabled(true)).build();
    private final AdminCommand listAccounts = AdminCommand.newBuilder()
            .setListAccounts(ListAccounts.getDefaultInstance()).build();

    @BeforeAll
    static void startClients() {
        clientGroup = new NioEventLoopGroup(1);
    }

    @AfterAll
    static void stopClients() {
        clientGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    @BeforeEach
    void start() throws Exception {
        LoginServerConfig config = LoginServerConfig.defaults(new HostPort("127.0.0.1", 0), dataDir)
                .withClock(clock).withArgon2(TestSupport.CHEAP).withRandom(TestSupport.seededRandom(42));
        server = LoginServer.start(config);
        server.accounts().createAccount("alice", "alice-password");
        try (AdminStore store = AdminStore.open(config)) {
            assertThat(store.authorize(admin.publicKey(), clock.millis())).isTrue();
            assertThat(store.authorize(admin.publicKey(), clock.millis())).as("idempotent").isFalse();
        }
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private ControlConnection connect() throws Exception {
        return ControlConnection.connect(clientGroup, server.boundAddress(), Tls.client(KeyVerifier.anyKey()),
                push -> { }, TIMEOUT).get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    }

    private static byte[] challenge(ControlConnection c, Ed25519KeyPair key) throws Exception {
        Envelope r = c.request(Envelope.newBuilder().setAdminHello(AdminHello.newBuilder()
                .setAdminKey(ByteString.copyFrom(key.publicKey())))).get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        byte[] nonce = r.getAdminChallenge().getNonce().toByteArray();
        assertThat(nonce).hasSize(AdminRequests.NONCE_BYTES);
        return nonce;
    }

    private AdminRequest signed(ControlConnection c, Ed25519KeyPair key, byte[] nonce, AdminCommand command) {
        return AdminRequests.sign(key, nonce, server.publicKey(), ChannelBinding.exporter(c.channel()), command);
    }

    private static Envelope send(ControlConnection c, AdminRequest request) throws Exception {
        return c.request(Envelope.newBuilder().setAdminRequest(request)).get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    }

    /** @return the refusal's code; asserts the refusal is no larger than the request that drew it */
    private static ErrorCode refused(ControlConnection c, AdminRequest request) throws Exception {
        try {
            Envelope unexpected = send(c, request);
            throw new AssertionError("expected a refusal, got " + unexpected);
        } catch (ExecutionException e) {
            ProtocolException pe = (ProtocolException) e.getCause();
            Envelope asSent = Envelopes.builder(1).setAdminRequest(request).build();
            assertThat(Envelopes.error(1, pe.code(), pe.getMessage()).getSerializedSize())
                    .as("refusal bytes vs request bytes").isLessThanOrEqualTo(asSent.getSerializedSize());
            return pe.code();
        }
    }

    private boolean aliceDisabled() throws Exception {
        try {
            server.accounts().login("alice", "alice-password", admin.publicKey());
            return false;
        } catch (ProtocolException e) {
            assertThat(e.code()).isEqualTo(ErrorCode.ACCOUNT_DISABLED);
            return true;
        }
    }

    @Test
    void authorizedKeyIsServedAndChainsItsChallenges() throws Exception {
        try (ControlConnection c = connect()) {
            Envelope first = send(c, signed(c, admin, challenge(c, admin), listAccounts));
            assertThat(first.getAdminResponse().getAccounts().getAccountsList()).singleElement()
                    .satisfies(a -> assertThat(a.getUsername()).isEqualTo("alice"));
            byte[] next = first.getAdminResponse().getNextNonce().toByteArray();
            Envelope second = send(c, signed(c, admin, next, disableAlice));
            assertThat(second.getAdminResponse().getDone().getSummary()).contains("account 'alice' disabled");
        }
        assertThat(aliceDisabled()).isTrue();
    }

    @Test
    void unsignedAndForgedRequestsAreRefusedAndDoNothing() throws Exception {
        try (ControlConnection c = connect()) {
            byte[] nonce = challenge(c, admin);
            AdminRequest unsigned = signed(c, admin, nonce, disableAlice).toBuilder().clearSignature().build();
            assertThat(refused(c, unsigned)).isEqualTo(ErrorCode.NOT_AUTHORIZED);
            // Signed by a stranger's key, claiming the admin's.
            AdminRequest forged = signed(c, stranger, challenge(c, admin), disableAlice).toBuilder()
                    .setAdminKey(ByteString.copyFrom(admin.publicKey())).build();
            assertThat(refused(c, forged)).isEqualTo(ErrorCode.NOT_AUTHORIZED);
            // An empty request is smaller than any error: the connection is closed instead of answered.
            c.request(Envelope.newBuilder().setAdminRequest(AdminRequest.getDefaultInstance()));
            c.closeFuture().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        }
        assertThat(aliceDisabled()).isFalse();
    }

    @Test
    void replayedRequestIsRefusedOnTheSameAndOnAnotherConnection() throws Exception {
        AdminRequest captured;
        try (ControlConnection c = connect()) {
            captured = signed(c, admin, challenge(c, admin), listAccounts);
            assertThat(send(c, captured).hasAdminResponse()).isTrue();
            assertThat(refused(c, captured)).as("same connection, nonce used").isEqualTo(ErrorCode.NOT_AUTHORIZED);
        }
        try (ControlConnection other = connect()) {
            challenge(other, admin); // a fresh challenge: the captured signature is over another one
            assertThat(refused(other, captured)).isEqualTo(ErrorCode.NOT_AUTHORIZED);
        }
    }

    @Test
    void validSignatureByAKeyThatIsNotAuthorizedIsRefused() throws Exception {
        try (ControlConnection c = connect()) {
            assertThat(refused(c, signed(c, stranger, challenge(c, stranger), disableAlice)))
                    .isEqualTo(ErrorCode.NOT_AUTHORIZED);
        }
        assertThat(aliceDisabled()).isFalse();
    }

    @Test
    void refusalsAreRateLimitedPerSourceEvenForTheAdminKey() throws Exception {
        try (ControlConnection c = connect()) {
            for (int i = 0; i < AdminGuard.FAILURES_BURST; i++) {
                assertThat(refused(c, signed(c, stranger, challenge(c, stranger), listAccounts)))
                        .isEqualTo(ErrorCode.NOT_AUTHORIZED);
            }
            try {
                challenge(c, admin);
                throw new AssertionError("expected RATE_LIMITED");
            } catch (ExecutionException e) {
                assertThat(((ProtocolException) e.getCause()).code()).isEqualTo(ErrorCode.RATE_LIMITED);
            }
            assertThat(refused(c, signed(c, admin, new byte[32], listAccounts))).isEqualTo(ErrorCode.RATE_LIMITED);
            // One refusal refills per minute (injected clock): then the admin gets in again.
            clock.advance(Duration.ofSeconds(AdminGuard.FAILURE_REFILL_SECONDS));
            assertThat(send(c, signed(c, admin, challenge(c, admin), listAccounts)).hasAdminResponse()).isTrue();
        }
    }
}
