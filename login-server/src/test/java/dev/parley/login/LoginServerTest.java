package dev.parley.login;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.parley.protocol.ControlConnection;
import dev.parley.protocol.Credentials;
import dev.parley.protocol.Ed25519KeyPair;
import dev.parley.protocol.Envelopes;
import dev.parley.protocol.HostPort;
import dev.parley.protocol.ProtocolException;
import dev.parley.protocol.SuperNodeCertificates;
import dev.parley.protocol.X25519KeyPair;
import dev.parley.protocol.tls.KeyVerifier;
import dev.parley.protocol.tls.Tls;
import dev.parley.protocol.tls.TlsSockets;
import dev.parley.protocol.wire.Address;
import dev.parley.protocol.wire.CreateAccount;
import dev.parley.protocol.wire.Envelope;
import dev.parley.protocol.wire.ErrorCode;
import dev.parley.protocol.wire.GetServerKey;
import dev.parley.protocol.wire.Login;
import dev.parley.protocol.wire.LoginResult;
import dev.parley.protocol.wire.SuperNodeHeartbeat;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** End-to-end over real TCP sockets on 127.0.0.1. */
class LoginServerTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static EventLoopGroup clientGroup;

    @TempDir
    Path dataDir;

    private final MutableClock clock = new MutableClock(TestSupport.T0);
    private final byte[] clientKey = Ed25519KeyPair.generate(TestSupport.seededRandom(41)).publicKey();
    private LoginServer server;

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
        server = LoginServer.start(config(TestSupport.CHEAP));
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private LoginServerConfig config(Argon2Params argon2) {
        return LoginServerConfig.defaults(new HostPort("127.0.0.1", 0), dataDir)
                .withClock(clock).withArgon2(argon2).withRandom(TestSupport.seededRandom(42));
    }

    private ControlConnection connect() throws Exception {
        return ControlConnection.connect(clientGroup, server.boundAddress(), Tls.client(KeyVerifier.anyKey()), push -> {}, TIMEOUT)
                .get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    }

    private static Envelope call(ControlConnection c, Envelope.Builder request) throws Exception {
        return c.request(request).get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    }

    private static ProtocolException failure(ControlConnection c, Envelope.Builder request) throws Exception {
        CompletableFuture<Envelope> f = c.request(request);
        try {
            Envelope unexpected = f.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            throw new AssertionError("expected an error, got " + unexpected);
        } catch (ExecutionException e) {
            assertThat(e.getCause()).isInstanceOf(ProtocolException.class);
            return (ProtocolException) e.getCause();
        }
    }

    private static Envelope.Builder create(String name, String password) {
        return Envelope.newBuilder().setCreateAccount(CreateAccount.newBuilder().setUsername(name).setPassword(password));
    }

    private Envelope.Builder login(String name, String password) {
        return login(name, password, clientKey);
    }

    private static Envelope.Builder login(String name, String password, byte[] key) {
        return Envelope.newBuilder().setLogin(Login.newBuilder().setUsername(name).setPassword(password)
                .setClientPublicKey(ByteString.copyFrom(key)));
    }

    private static Envelope.Builder heartbeat(HostPort address) {
        return Envelope.newBuilder().setSupernodeHeartbeat(SuperNodeHeartbeat.newBuilder().setAddress(address.toAddress()));
    }

    @Test
    void createAccountAndLoginIssueACredentialTheServerKeyVerifies() throws Exception {
        try (ControlConnection c = connect()) {
            assertThat(call(c, create("Alice", "hunter2-hunter2")).hasOk()).isTrue();

            LoginResult result = call(c, login("alice", "hunter2-hunter2")).getLoginResult();

            Credentials.verify(server.publicKey(), result.getCredential(), clock.instant());
            assertThat(result.getCredential().getUsername()).isEqualTo("alice");
            assertThat(result.getCredential().getPublicKey().toByteArray()).isEqualTo(clientKey);
            assertThat(result.getCredential().getExpiresAtMs() - result.getCredential().getIssuedAtMs())
                    .isEqualTo(LoginServerConfig.DEFAULT_CREDENTIAL_LIFETIME.toMillis());
            assertThat(result.getServerPublicKey().toByteArray()).isEqualTo(server.publicKey());
            Envelope key = call(c, Envelope.newBuilder().setGetServerKey(GetServerKey.getDefaultInstance()));
            assertThat(key.getServerKey().getPublicKey().toByteArray()).isEqualTo(server.publicKey());
        }
    }

    @Test
    void refusesWrongPasswordsUnknownUsersDuplicatesAndMalformedInput() throws Exception {
        try (ControlConnection c = connect()) {
            call(c, create("Bob", "pw-123456"));

            ProtocolException wrongPassword = failure(c, login("bob", "PW"));
            ProtocolException unknownUser = failure(c, login("nobody", "pw-123456"));
            assertThat(wrongPassword.code()).isEqualTo(ErrorCode.WRONG_CREDENTIALS);
            assertThat(unknownUser.code()).isEqualTo(ErrorCode.WRONG_CREDENTIALS);
            assertThat(unknownUser.getMessage()).isEqualTo(wrongPassword.getMessage());

            assertThat(failure(c, create("BOB", "other-password")).code()).isEqualTo(ErrorCode.USERNAME_TAKEN);
            for (String name : new String[] {"bo", "b".repeat(33), "bob smith", "bob/../x", "-bob"}) {
                assertThat(failure(c, create(name, "pw-123456")).code()).as(name).isEqualTo(ErrorCode.INVALID_USERNAME);
            }
            assertThat(failure(c, create("carol", "")).code()).isEqualTo(ErrorCode.BAD_REQUEST);
            assertThat(failure(c, login("bob", "pw-123456", new byte[16])).code()).isEqualTo(ErrorCode.BAD_REQUEST);
            assertThat(failure(c, login("bob", "pw-123456", new byte[33])).code()).isEqualTo(ErrorCode.BAD_REQUEST);
            assertThat(failure(c, Envelope.newBuilder()).code()).isEqualTo(ErrorCode.BAD_REQUEST);

            // Every refusal left the connection usable.
            assertThat(call(c, login("BoB", "pw-123456")).getLoginResult().getCredential().getUsername()).isEqualTo("bob");
        }
    }

    @Test
    void oversizedFrameGetsFrameTooLargeThenClose() throws Exception {
        try (ControlConnection bystander = connect(); Socket raw = rawSocket()) {
            OutputStream out = raw.getOutputStream();
            // varint32 of 65537: declared length just over the 64 KiB limit, no payload needed.
            out.write(new byte[] {(byte) 0x81, (byte) 0x80, 0x04});
            out.flush();

            InputStream in = raw.getInputStream();
            Envelope error = Envelope.parseDelimitedFrom(in);
            assertThat(error.getError().getCode()).isEqualTo(ErrorCode.FRAME_TOO_LARGE);
            assertThat(error.getError().getMessage()).isEqualTo("frameSize: 65537 (expected: <= 65536)");
            assertThat(in.read()).isEqualTo(-1);

            assertThat(call(bystander, Envelope.newBuilder().setGetServerKey(GetServerKey.getDefaultInstance()))
                    .hasServerKey()).isTrue();
        }
        assertServesNewConnections();
    }

    @Test
    void garbageGetsBadRequestThenClose() throws Exception {
        byte[][] garbage = {
            {5, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff}, // frame that is not protobuf
            {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff}, // corrupt length prefix
            {3, (byte) 0xa2, 0x01, 0x7f}, // create_account field declaring 127 bytes, frame ends after 0
        };
        for (byte[] bytes : garbage) {
            try (Socket raw = rawSocket()) {
                raw.getOutputStream().write(bytes);
                raw.getOutputStream().flush();
                InputStream in = raw.getInputStream();
                Envelope error = Envelope.parseDelimitedFrom(in);
                assertThat(error.getError().getCode()).as(HexFormat.of().formatHex(bytes)).isEqualTo(ErrorCode.BAD_REQUEST);
                assertThat(in.read()).isEqualTo(-1);
            }
        }
        assertServesNewConnections();
    }

    /** @return a connection on which a super node at {@code address} enrolled with a fresh token */
    private ControlConnection enrolled(HostPort address) throws Exception {
        ControlConnection c = connect();
        Ed25519KeyPair node = Ed25519KeyPair.generate(TestSupport.seededRandom(address.hashCode()));
        String token = server.superNodes().createToken(Duration.ofHours(1));
        Envelope cert = call(c, Envelope.newBuilder().setEnrollSupernode(SuperNodeCertificates.enrolRequest(node,
                X25519KeyPair.derive(node, SuperNodeCertificates.MESH_KEY_LABEL), address, token, clock.millis())));
        SuperNodeCertificates.verify(server.publicKey(), cert.getSupernodeCertificate(), clock.instant());
        return c;
    }

    @Test
    void heartbeatsFeedTheDirectoryAndLoginsGetAtMostSeven() throws Exception {
        List<ControlConnection> nodes = new ArrayList<>();
        try (ControlConnection c = connect()) {
            call(c, create("dave", "pw-123456"));
            for (int i = 1; i <= 10; i++) {
                HostPort address = new HostPort("10.1.0." + i, 7000);
                nodes.add(enrolled(address));
                Envelope directory = call(nodes.get(i - 1), heartbeat(address));
                assertThat(directory.getSupernodeDirectory().getSuperNodesCount()).isEqualTo(i);
                assertThat(directory.getSupernodeDirectory().getCertificatesCount()).isEqualTo(i);
                assertThat(directory.getSupernodeDirectory().getSuperNodes(0).getHost()).isEqualTo("10.1.0." + i);
                assertThat(directory.getSupernodeDirectory().getCertificates(0).getAddress().getHost()).isEqualTo("10.1.0." + i);
                clock.advance(Duration.ofSeconds(1));
            }

            LoginResult result = call(c, login("dave", "pw-123456")).getLoginResult();
            assertThat(result.getSuperNodesList()).extracting(Address::getHost).containsExactly(
                    "10.1.0.10", "10.1.0.9", "10.1.0.8", "10.1.0.7", "10.1.0.6", "10.1.0.5", "10.1.0.4");

            // TTL is 15 s: the first five heartbeats (at T0..T0+4 s) are stale at T0+19 s.
            clock.advance(Duration.ofSeconds(9));
            assertThat(call(c, login("dave", "pw-123456")).getLoginResult().getSuperNodesList()).extracting(Address::getHost)
                    .containsExactly("10.1.0.10", "10.1.0.9", "10.1.0.8", "10.1.0.7", "10.1.0.6");
            clock.advance(Duration.ofSeconds(15));
            assertThat(call(c, login("dave", "pw-123456")).getLoginResult().getSuperNodesList()).isEmpty();
            HostPort last = new HostPort("10.1.0.99", 7000);
            ControlConnection lastNode = enrolled(last);
            nodes.add(lastNode);
            Envelope directory = call(lastNode, heartbeat(last));
            assertThat(directory.getSupernodeDirectory().getSuperNodesList()).containsExactly(last.toAddress());

            assertThat(failure(lastNode, heartbeat(new HostPort("10.1.0.1", 0))).code()).isEqualTo(ErrorCode.BAD_REQUEST);
        } finally {
            nodes.forEach(ControlConnection::close);
        }
    }

    @Test
    void keyAndAccountsPersistAcrossRestartAndOldHashParametersStillVerify() throws Exception {
        byte[] firstKey = server.publicKey();
        try (ControlConnection c = connect()) {
            call(c, create("Erin", "pw-123456"));
        }
        server.close();
        server.close(); // idempotent

        Argon2Params stronger = new Argon2Params(512, 2, 1);
        server = LoginServer.start(config(stronger));

        assertThat(server.publicKey()).isEqualTo(firstKey);
        assertThat(Files.readString(dataDir.resolve("login-server.pub")).strip())
                .isEqualTo(HexFormat.of().formatHex(firstKey));
        try (ControlConnection c = connect()) {
            LoginResult result = call(c, login("erin", "pw-123456")).getLoginResult();
            Credentials.verify(firstKey, result.getCredential(), clock.instant());
            call(c, create("frank", "pw-123456"));
        }
        server.close();
        try (AccountStore store = AccountStore.open(AccountStore.sqliteUrl(dataDir.resolve("accounts.db")), 1)) {
            assertThat(store.find("erin").orElseThrow().passwordHash().params()).isEqualTo(TestSupport.CHEAP);
            assertThat(store.find("frank").orElseThrow().passwordHash().params()).isEqualTo(stronger);
            assertThat(store.find("erin").orElseThrow().displayName()).isEqualTo("Erin");
        }
    }

    @Test
    void closeClosesOpenConnections() throws Exception {
        ControlConnection c = connect();
        call(c, Envelope.newBuilder().setGetServerKey(GetServerKey.getDefaultInstance()));

        server.close();

        c.closeFuture().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        assertThat(c.isActive()).isFalse();
    }

    @Test
    void aTakenPortFailsStartWithIOException() throws Exception {
        LoginServerConfig clash = LoginServerConfig.defaults(server.boundAddress(), dataDir.resolve("second"))
                .withArgon2(TestSupport.CHEAP).withRandom(TestSupport.seededRandom(43));

        assertThatThrownBy(() -> LoginServer.start(clash)).isInstanceOf(IOException.class)
                .hasMessageStartingWith("cannot bind " + server.boundAddress());
        assertServesNewConnections();
    }

    /** A TLS socket whose bytes inside the encryption are the test's to choose. */
    private Socket rawSocket() throws Exception {
        return TlsSockets.open(server.boundAddress().host(), server.boundAddress().port());
    }

    private void assertServesNewConnections() throws Exception {
        try (ControlConnection c = connect()) {
            Envelope key = call(c, Envelopes.builder(0).setGetServerKey(GetServerKey.getDefaultInstance()));
            assertThat(key.getServerKey().getPublicKey().toByteArray()).isEqualTo(server.publicKey());
        }
    }
}
