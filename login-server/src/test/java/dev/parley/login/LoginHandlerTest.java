package dev.parley.login;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.parley.protocol.ControlPipeline;
import dev.parley.protocol.Credentials;
import dev.parley.protocol.Ed25519KeyPair;
import dev.parley.protocol.Envelopes;
import dev.parley.protocol.ErrorClosingHandler;
import dev.parley.protocol.HostPort;
import dev.parley.protocol.SuperNodeCertificates;
import dev.parley.protocol.X25519KeyPair;
import dev.parley.protocol.wire.Address;
import dev.parley.protocol.wire.CreateAccount;
import dev.parley.protocol.wire.Envelope;
import dev.parley.protocol.wire.ErrorCode;
import dev.parley.protocol.wire.GetServerKey;
import dev.parley.protocol.wire.Login;
import dev.parley.protocol.wire.Ok;
import dev.parley.protocol.wire.SuperNodeCertificate;
import dev.parley.protocol.wire.SuperNodeHeartbeat;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufInputStream;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LoginHandlerTest {
    private static final Executor DIRECT = Runnable::run;

    @TempDir
    Path dir;

    private final MutableClock clock = new MutableClock(TestSupport.T0);
    private final Ed25519KeyPair serverKey = Ed25519KeyPair.generate(TestSupport.seededRandom(31));
    private final byte[] clientKey = Ed25519KeyPair.generate(TestSupport.seededRandom(32)).publicKey();
    private final SuperNodeRegistry registry = new SuperNodeRegistry(clock, Duration.ofSeconds(15), 10_000);
    private AccountStore store;
    private AccountService service;

    @BeforeEach
    void open() throws Exception {
        store = AccountStore.open(AccountStore.sqliteUrl(dir.resolve("accounts.db")), 2);
        service = new AccountService(store, new PasswordHasher(TestSupport.CHEAP, TestSupport.seededRandom(33)),
                serverKey, clock, Duration.ofHours(1));
    }

    @AfterEach
    void close() {
        store.close();
    }

    private SuperNodeCertifier certifier() {
        return new SuperNodeCertifier(new SuperNodeStore(store.dataSource()), serverKey, clock, registry);
    }

    private EmbeddedChannel channel(Executor worker) {
        return new EmbeddedChannel(new LoginHandler(service, registry, serverKey.publicKey(), worker,
                new LoginGuard(LoginLimits.DEFAULTS, clock), certifier(), clock),
                ErrorClosingHandler.INSTANCE);
    }

    /** @return a certificate for a super node at {@code host:port} (a key derived from the address) */
    private SuperNodeCertificate cert(String host, int port) {
        Ed25519KeyPair node = Ed25519KeyPair.generate(TestSupport.seededRandom((host + port).hashCode()));
        return SuperNodeCertificates.issue(serverKey, node.publicKey(),
                X25519KeyPair.derive(node, SuperNodeCertificates.MESH_KEY_LABEL).publicKey(), new HostPort(host, port),
                clock.instant(), SuperNodeCertifier.CERTIFICATE_LIFETIME);
    }

    private void heard(String host, int port) {
        registry.heartbeat(new HostPort(host, port), cert(host, port));
    }

    /** @return a channel on which a super node for {@code host:port} enrolled (a certified connection) */
    private EmbeddedChannel certifiedChannel(String host, int port) throws Exception {
        EmbeddedChannel ch = channel(DIRECT);
        String token = new SuperNodeAdmin(new SuperNodeStore(store.dataSource()), clock, TestSupport.seededRandom(3), null)
                .createToken(Duration.ofHours(1));
        Ed25519KeyPair node = Ed25519KeyPair.generate(TestSupport.seededRandom((host + port).hashCode()));
        Envelope enrolled = exchange(ch, Envelopes.builder(100).setEnrollSupernode(SuperNodeCertificates.enrolRequest(node,
                X25519KeyPair.derive(node, SuperNodeCertificates.MESH_KEY_LABEL), new HostPort(host, port), token,
                clock.millis())));
        assertThat(enrolled.hasSupernodeCertificate()).as(enrolled.toString()).isTrue();
        return ch;
    }

    private static Envelope exchange(EmbeddedChannel ch, Envelope.Builder request) {
        ch.writeInbound(request.build());
        ch.runPendingTasks();
        Envelope response = ch.readOutbound();
        assertThat(response).as("response to request %d", request.getRequestId()).isNotNull();
        assertThat(response.getRequestId()).isEqualTo(request.getRequestId());
        return response;
    }

    private static Envelope.Builder create(long id, String name, String password) {
        return Envelopes.builder(id).setCreateAccount(CreateAccount.newBuilder().setUsername(name).setPassword(password));
    }

    private Envelope.Builder login(long id, String name, String password) {
        return Envelopes.builder(id).setLogin(Login.newBuilder().setUsername(name).setPassword(password)
                .setClientPublicKey(ByteString.copyFrom(clientKey)));
    }

    private static Envelope.Builder heartbeat(long id, String host, int port) {
        return Envelopes.builder(id).setSupernodeHeartbeat(SuperNodeHeartbeat.newBuilder()
                .setAddress(Address.newBuilder().setHost(host).setPort(port)));
    }

    @Test
    void answersGetServerKey() {
        EmbeddedChannel ch = channel(DIRECT);

        Envelope response = exchange(ch, Envelopes.builder(5).setGetServerKey(GetServerKey.getDefaultInstance()));

        assertThat(response.getServerKey().getPublicKey().toByteArray()).isEqualTo(serverKey.publicKey());
        ch.finishAndReleaseAll();
    }

    @Test
    void createThenLoginReturnsCredentialKeyAndSevenFreshestSuperNodes() throws Exception {
        for (int i = 1; i <= 9; i++) {
            heard("10.0.0." + i, 5000);
            clock.advance(Duration.ofMillis(100));
        }
        EmbeddedChannel ch = channel(DIRECT);

        assertThat(exchange(ch, create(1, "Alice", "pw-123456")).hasOk()).isTrue();
        Envelope response = exchange(ch, login(2, "alice", "pw-123456"));

        assertThat(response.hasLoginResult()).as(response.toString()).isTrue();
        var result = response.getLoginResult();
        Credentials.verify(serverKey.publicKey(), result.getCredential(), clock.instant());
        assertThat(result.getServerPublicKey().toByteArray()).isEqualTo(serverKey.publicKey());
        assertThat(result.getSuperNodesList()).extracting(Address::getHost)
                .containsExactly("10.0.0.9", "10.0.0.8", "10.0.0.7", "10.0.0.6", "10.0.0.5", "10.0.0.4", "10.0.0.3");
        ch.finishAndReleaseAll();
    }

    @Test
    void errorsCarryTheRequestIdAndKeepTheConnectionOpen() {
        EmbeddedChannel ch = channel(DIRECT);

        Envelope noBody = exchange(ch, Envelopes.builder(7));
        Envelope unexpected = exchange(ch, Envelopes.builder(8).setOk(Ok.getDefaultInstance()));
        Envelope wrong = exchange(ch, login(9, "nobody", "pw-123456"));

        assertThat(noBody.getError().getCode()).isEqualTo(ErrorCode.BAD_REQUEST);
        assertThat(unexpected.getError().getCode()).isEqualTo(ErrorCode.BAD_REQUEST);
        assertThat(unexpected.getError().getMessage()).startsWith("message: ok");
        assertThat(wrong.getError().getCode()).isEqualTo(ErrorCode.WRONG_CREDENTIALS);
        assertThat(ch.isOpen()).isTrue();
        assertThat(exchange(ch, Envelopes.builder(10).setGetServerKey(GetServerKey.getDefaultInstance())).hasServerKey())
                .isTrue();
        ch.finishAndReleaseAll();
    }

    @Test
    void heartbeatRegistersTheSuperNodeAndReturnsTheDirectory() throws Exception {
        heard("10.0.0.1", 5000);
        clock.advance(Duration.ofSeconds(1));
        EmbeddedChannel ch = certifiedChannel("sn.example.org", 6000);

        Envelope response = exchange(ch, heartbeat(3, "sn.example.org", 6000));

        assertThat(response.getSupernodeDirectory().getSuperNodesList()).containsExactly(
                new HostPort("sn.example.org", 6000).toAddress(), new HostPort("10.0.0.1", 5000).toAddress());
        ch.finishAndReleaseAll();
    }

    @Test
    void heartbeatWithAnInvalidAddressIsABadRequest() throws Exception {
        EmbeddedChannel ch = channel(DIRECT);
        Envelope.Builder[] invalid = {
            heartbeat(1, "", 5000), heartbeat(2, "10.0.0.1", 0), heartbeat(3, "10.0.0.1", 65536),
            heartbeat(4, "bad host", 5000), heartbeat(5, "h".repeat(254), 5000),
            Envelopes.builder(6).setSupernodeHeartbeat(SuperNodeHeartbeat.getDefaultInstance()),
        };
        for (Envelope.Builder request : invalid) {
            assertThat(exchange(ch, request).getError().getCode()).as(request.toString()).isEqualTo(ErrorCode.BAD_REQUEST);
        }
        assertThat(registry.size()).isZero();
        assertThat(ch.isOpen()).isTrue();
        ch.finishAndReleaseAll();
    }

    @Test
    void directoryReplyFitsInOneFrameFreshestFirst() throws Exception {
        String padding = "x".repeat(200);
        for (int i = 0; i < 2_000; i++) {
            heard("sn" + i + "." + padding, 5000);
            clock.advance(Duration.ofMillis(1));
        }
        EmbeddedChannel ch = certifiedChannel("last." + padding, 5000);

        Envelope response = exchange(ch, heartbeat(1, "last." + padding, 5000));

        assertThat(response.getSerializedSize()).isLessThanOrEqualTo(ControlPipeline.DEFAULT_MAX_FRAME_BYTES);
        var nodes = response.getSupernodeDirectory().getSuperNodesList();
        assertThat(nodes.size()).isBetween(100, 1_999);
        assertThat(response.getSupernodeDirectory().getCertificatesCount()).isEqualTo(nodes.size());
        assertThat(nodes.get(0).getHost()).isEqualTo("last." + padding);
        assertThat(nodes.get(1).getHost()).isEqualTo("sn1999." + padding);
        ch.finishAndReleaseAll();
    }

    @Test
    void aFullWorkerQueueAnswersRateLimited() {
        EmbeddedChannel ch = channel(task -> {
            throw new RejectedExecutionException("queue full");
        });

        Envelope response = exchange(ch, create(1, "alice", "pw-123456"));

        assertThat(response.getError().getCode()).isEqualTo(ErrorCode.RATE_LIMITED);
        assertThat(ch.isOpen()).isTrue();
        ch.finishAndReleaseAll();
    }

    @Test
    void boundsPendingRequestsPerConnection() {
        Deque<Runnable> parked = new ArrayDeque<>();
        EmbeddedChannel ch = channel(parked::add);

        for (int i = 1; i <= LoginHandler.MAX_IN_FLIGHT; i++) {
            ch.writeInbound(create(i, "user" + i, "pw-123456").build());
        }
        Envelope limited = exchange(ch, create(100, "user100", "pw-123456"));
        assertThat(limited.getError().getCode()).isEqualTo(ErrorCode.RATE_LIMITED);
        assertThat(parked).hasSize(LoginHandler.MAX_IN_FLIGHT);

        parked.poll().run();
        ch.runPendingTasks();
        Envelope first = ch.readOutbound();
        assertThat(first.getRequestId()).isEqualTo(1);
        assertThat(first.hasOk()).isTrue();
        ch.writeInbound(create(101, "user101", "pw-123456").build());
        assertThat(parked).hasSize(LoginHandler.MAX_IN_FLIGHT);
        ch.finishAndReleaseAll();
    }

    @Test
    void databaseFailureAnswersInternalWithoutClosing() {
        EmbeddedChannel ch = channel(DIRECT);
        store.close();

        Envelope response = exchange(ch, login(4, "alice", "pw-123456"));

        assertThat(response.getError().getCode()).isEqualTo(ErrorCode.INTERNAL);
        assertThat(response.getError().getMessage()).doesNotContain("SQL");
        assertThat(ch.isOpen()).isTrue();
        ch.finishAndReleaseAll();
    }

    @Test
    void fullPipelineAnswersGarbageWithBadRequestAndCloses() throws Exception {
        EmbeddedChannel ch = new EmbeddedChannel();
        ControlPipeline.install(ch.pipeline(), ControlPipeline.DEFAULT_MAX_FRAME_BYTES);
        ch.pipeline().addLast(new LoginHandler(service, registry, serverKey.publicKey(), DIRECT,
                new LoginGuard(LoginLimits.DEFAULTS, clock), certifier(), clock), ErrorClosingHandler.INSTANCE);

        ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {5, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff}));
        ch.runPendingTasks();

        ByteBuf out = ch.readOutbound();
        try {
            Envelope error = Envelope.parseDelimitedFrom(new ByteBufInputStream(out));
            assertThat(error.getError().getCode()).isEqualTo(ErrorCode.BAD_REQUEST);
        } finally {
            out.release();
        }
        assertThat(ch.isOpen()).isFalse();
        ch.finishAndReleaseAll();
    }

    @Test
    void sanitisesClientTextForLogs() {
        assertThat(LoginHandler.printable("eve\nINFO forged line\r", 64)).isEqualTo("eve?INFO forged line?");
        assertThat(LoginHandler.printable("x".repeat(100), 64)).isEqualTo("x".repeat(64) + "…");
    }
}
