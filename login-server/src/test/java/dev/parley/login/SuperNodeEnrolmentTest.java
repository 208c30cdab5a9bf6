package dev.parley.login;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.parley.protocol.ControlConnection;
import dev.parley.protocol.Ed25519KeyPair;
import dev.parley.protocol.HostPort;
import dev.parley.protocol.ProtocolException;
import dev.parley.protocol.SuperNodeCertificates;
import dev.parley.protocol.X25519KeyPair;
import dev.parley.protocol.tls.KeyVerifier;
import dev.parley.protocol.tls.Tls;
import dev.parley.protocol.wire.CreateAccount;
import dev.parley.protocol.wire.Envelope;
import dev.parley.protocol.wire.ErrorCode;
import dev.parley.protocol.wire.Login;
import dev.parley.protocol.wire.SuperNodeCertificate;
import dev.parley.protocol.wire.SuperNodeHeartbeat;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Super-node enrolment, renewal and heartbeats against a real login server, attacks included. */
class SuperNodeEnrolmentTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static EventLoopGroup group;

    @TempDir
    Path dataDir;

    private final MutableClock clock = new MutableClock(TestSupport.T0);
    private LoginServer server;
    private final Ed25519KeyPair node = Ed25519KeyPair.generate(TestSupport.seededRandom(61));
    private final X25519KeyPair mesh = X25519KeyPair.derive(node, SuperNodeCertificates.MESH_KEY_LABEL);
    private final HostPort address = new HostPort("10.2.0.1", 7100);

    @BeforeAll
    static void startGroup() {
        group = new NioEventLoopGroup(1);
    }

    @AfterAll
    static void stopGroup() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private LoginServerConfig config() {
        return LoginServerConfig.defaults(new HostPort("127.0.0.1", 0), dataDir).withClock(clock)
                .withArgon2(TestSupport.CHEAP).withRandom(TestSupport.seededRandom(62));
    }

    @BeforeEach
    void start() throws Exception {
        server = LoginServer.start(config());
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private ControlConnection connect() throws Exception {
        return ControlConnection.connect(group, server.boundAddress(), Tls.client(KeyVerifier.anyKey()), push -> {}, TIMEOUT)
                .get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    }

    private static Envelope call(ControlConnection c, Envelope.Builder request) throws Exception {
        return c.request(request).get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    }

    private static ProtocolException failure(ControlConnection c, Envelope.Builder request) throws Exception {
        try {
            Envelope unexpected = c.request(request).get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            throw new AssertionError("expected an error, got " + unexpected);
        } catch (ExecutionException e) {
            assertThat(e.getCause()).isInstanceOf(ProtocolException.class);
            return (ProtocolException) e.getCause();
        }
    }

    private Envelope.Builder enrol(Ed25519KeyPair key, HostPort at, String token) {
        return Envelope.newBuilder().setEnrollSupernode(SuperNodeCertificates.enrolRequest(key,
                X25519KeyPair.derive(key, SuperNodeCertificates.MESH_KEY_LABEL), at, token, clock.millis()));
    }

    private Envelope.Builder renew(Ed25519KeyPair key, HostPort at) {
        return Envelope.newBuilder().setRenewSupernode(SuperNodeCertificates.renewRequest(key,
                X25519KeyPair.derive(key, SuperNodeCertificates.MESH_KEY_LABEL), at, clock.millis()));
    }

    private static Envelope.Builder heartbeat(HostPort at) {
        return Envelope.newBuilder().setSupernodeHeartbeat(SuperNodeHeartbeat.newBuilder().setAddress(at.toAddress()));
    }

    /** @return the super nodes a login hands out now */
    private List<HostPort> handedOut() throws Exception {
        try (ControlConnection c = connect()) {
            call(c, Envelope.newBuilder().setCreateAccount(CreateAccount.newBuilder().setUsername("probe")
                    .setPassword("pw-123456"))).getOk(); // may answer USERNAME_TAKEN on a second call: ignored below
        } catch (ExecutionException ignored) {
            // taken already
        }
        try (ControlConnection c = connect()) {
            return call(c, Envelope.newBuilder().setLogin(Login.newBuilder().setUsername("probe").setPassword("pw-123456")
                    .setClientPublicKey(ByteString.copyFrom(node.publicKey())))).getLoginResult().getSuperNodesList()
                    .stream().map(HostPort::of).toList();
        }
    }

    @Test
    void enrolmentCertifiesTheNodeKeyMeshKeyAndAddressForSixHours() throws Exception {
        String token = server.superNodes().createToken(SuperNodeAdmin.DEFAULT_TOKEN_VALIDITY);
        assertThat(token).matches("[0-9a-f]{40}"); // 160 bits, printable
        try (ControlConnection c = connect()) {
            SuperNodeCertificate cert = call(c, enrol(node, address, token)).getSupernodeCertificate();
            assertThat(SuperNodeCertificates.verify(server.publicKey(), cert, clock.instant())).isEqualTo(address);
            assertThat(cert.getNodeKey().toByteArray()).isEqualTo(node.publicKey());
            assertThat(cert.getMeshKey().toByteArray()).isEqualTo(mesh.publicKey());
            assertThat(cert.getExpiresAtMs() - cert.getIssuedAtMs()).isEqualTo(Duration.ofHours(6).toMillis());
            assertThat(call(c, heartbeat(address)).getSupernodeDirectory().getCertificatesList()).containsExactly(cert);
        }
        assertThat(handedOut()).containsExactly(address);
    }

    @Test
    void unauthenticatedHeartbeatIsRefusedAndTheDirectoryUnchanged() throws Exception {
        try (ControlConnection attacker = connect()) {
            ProtocolException e = failure(attacker, heartbeat(new HostPort("203.0.113.66", 7000)));
            assertThat(e.code()).isEqualTo(ErrorCode.INVALID_CREDENTIAL);
            assertThat(e.getMessage()).contains("without a super-node certificate");
        }
        assertThat(handedOut()).isEmpty();
    }

    @Test
    void certifiedNodeCannotHeartbeatAnotherAddress() throws Exception {
        String token = server.superNodes().createToken(Duration.ofHours(1));
        try (ControlConnection c = connect()) {
            call(c, enrol(node, address, token));
            ProtocolException e = failure(c, heartbeat(new HostPort("203.0.113.66", 7000)));
            assertThat(e.code()).isEqualTo(ErrorCode.INVALID_CREDENTIAL);
            assertThat(e.getMessage()).contains("is not the certified one 10.2.0.1:7100");
        }
        assertThat(handedOut()).as("the planted address is not handed out").isEmpty();
    }

    @Test
    void tokensAreSingleUseExpireAndMustMatch() throws Exception {
        String token = server.superNodes().createToken(Duration.ofHours(1));
        String shortLived = server.superNodes().createToken(Duration.ofMinutes(10));
        Ed25519KeyPair second = Ed25519KeyPair.generate(TestSupport.seededRandom(63));
        try (ControlConnection c = connect()) {
            ProtocolException wrong = failure(c, enrol(node, address, "0".repeat(40)));
            assertThat(wrong.code()).isEqualTo(ErrorCode.INVALID_CREDENTIAL);
            assertThat(wrong.getMessage()).contains("token unknown");
            assertThat(failure(c, enrol(node, address, "")).getMessage()).contains("token: missing");

            call(c, enrol(node, address, token));
            ProtocolException used = failure(c, enrol(second, new HostPort("10.2.0.2", 7100), token));
            assertThat(used.code()).isEqualTo(ErrorCode.INVALID_CREDENTIAL);
            assertThat(used.getMessage()).contains("already used");

            clock.advance(Duration.ofMinutes(11));
            ProtocolException expired = failure(c, enrol(second, new HostPort("10.2.0.2", 7100), shortLived));
            assertThat(expired.code()).isEqualTo(ErrorCode.EXPIRED_CREDENTIAL);
            assertThat(expired.getMessage()).contains("expired");
        }
    }

    @Test
    void tokenGuessingFromOneAddressIsRateLimited() throws Exception {
        try (ControlConnection c = connect()) {
            for (int i = 0; i < LoginLimits.DEFAULTS.failuresPerAddress(); i++) {
                assertThat(failure(c, enrol(node, address, String.format("%040x", i))).code())
                        .isEqualTo(ErrorCode.INVALID_CREDENTIAL);
            }
            ProtocolException limited = failure(c, enrol(node, address, String.format("%040x", 99)));
            assertThat(limited.code()).isEqualTo(ErrorCode.RATE_LIMITED);
            assertThat(limited.getMessage()).contains("refused enrolments");
        }
    }

    @Test
    void proofOfPossessionByAnotherKeyIsRefused() throws Exception {
        String token = server.superNodes().createToken(Duration.ofHours(1));
        Ed25519KeyPair thief = Ed25519KeyPair.generate(TestSupport.seededRandom(64));
        var forged = SuperNodeCertificates.enrolRequest(thief, mesh, address, token, clock.millis()).toBuilder()
                .setNodeKey(ByteString.copyFrom(node.publicKey())).build(); // claims node's key, signed by the thief
        try (ControlConnection c = connect()) {
            ProtocolException e = failure(c, Envelope.newBuilder().setEnrollSupernode(forged));
            assertThat(e.getMessage()).contains("proof of possession");
            // the token was not spent by the failed attempt
            assertThat(call(c, enrol(node, address, token)).hasSupernodeCertificate()).isTrue();
        }
    }

    @Test
    void renewalNeedsAnEnrolledUnrevokedKeyAndTheOperatorsRevocationIsSeenThroughTheDatabase() throws Exception {
        Ed25519KeyPair stranger = Ed25519KeyPair.generate(TestSupport.seededRandom(65));
        String token;
        // The operator's command: another connection pool on the same database, as `parley login-server enroll` is.
        try (SuperNodeAdmin operator = SuperNodeAdmin.open(config())) {
            token = operator.createToken(Duration.ofHours(1));
        }
        try (ControlConnection c = connect()) {
            assertThat(failure(c, renew(stranger, address)).getMessage()).contains("is not enrolled");
            call(c, enrol(node, address, token));
            clock.advance(Duration.ofHours(3));
            HostPort moved = new HostPort("10.2.0.9", 7200);
            SuperNodeCertificate renewed = call(c, renew(node, moved)).getSupernodeCertificate();
            assertThat(SuperNodeCertificates.verify(server.publicKey(), renewed, clock.instant())).isEqualTo(moved);
            assertThat(call(c, heartbeat(moved)).getSupernodeDirectory().getSuperNodesList()).hasSize(1);
        }
        try (SuperNodeAdmin operator = SuperNodeAdmin.open(config())) {
            assertThat(operator.revoke(KeyVerifier.fingerprint(node.publicKey()).replace(":", "").toUpperCase())).isTrue();
            assertThat(operator.revoke("00000000:00000000:00000000:00000000")).isFalse();
        }
        try (ControlConnection c = connect()) {
            ProtocolException e = failure(c, renew(node, address));
            assertThat(e.code()).isEqualTo(ErrorCode.INVALID_CREDENTIAL);
            assertThat(e.getMessage()).contains("was revoked");
            String fresh = server.superNodes().createToken(Duration.ofHours(1));
            assertThat(failure(c, enrol(node, address, fresh)).getMessage()).as("a new token does not revive the key")
                    .contains("was revoked");
            assertThat(failure(c, heartbeat(address)).code()).isEqualTo(ErrorCode.INVALID_CREDENTIAL);
        }
    }

    @Test
    void aCertifiedNodeCannotTakeTheAddressOfAnotherLiveOne() throws Exception {
        Ed25519KeyPair rogue = Ed25519KeyPair.generate(TestSupport.seededRandom(66));
        try (ControlConnection victim = connect(); ControlConnection attacker = connect()) {
            call(victim, enrol(node, address, server.superNodes().createToken(Duration.ofHours(1))));
            call(victim, heartbeat(address));
            ProtocolException e = failure(attacker, enrol(rogue, address, server.superNodes().createToken(Duration.ofHours(1))));
            assertThat(e.getMessage()).contains("is served by another live super node");
        }
        assertThat(handedOut()).containsExactly(address);
    }
}
