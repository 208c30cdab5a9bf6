package dev.parley.supernode;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.protocol.Credentials;
import dev.parley.protocol.Ed25519KeyPair;
import dev.parley.protocol.ProtocolException;
import dev.parley.protocol.wire.Credential;
import dev.parley.protocol.wire.Envelope;
import dev.parley.protocol.wire.ErrorCode;
import dev.parley.protocol.wire.SearchResult;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A renewed credential re-registers on the same connection ({@code Register} again), and a session
 * whose credential expires without renewal is ended by the super node; on the cluster's injected clock.
 */
class ReregistrationTest {
    private static final Duration RENEW_AT = Cluster.CREDENTIAL_LIFETIME.multipliedBy(3).dividedBy(4);

    @TempDir
    Path dir;
    @AutoClose
    Cluster cluster;

    @BeforeEach
    void start() throws Exception {
        cluster = new Cluster(1, dir, List.of());
    }

    private static SearchResult found(TestClient searcher, String user) throws Exception {
        SearchResult r = searcher.search(user);
        assertThat(r.getFound()).as("%s found", user).isTrue();
        return r;
    }

    @Test
    void reregisterReplacesCredentialAndPresenceWithoutDroppingTheConnection() throws Exception {
        TestClient alice = cluster.signIn(0, "alice");
        TestClient bob = cluster.signIn(0, "bob");
        cluster.clock.advance(RENEW_AT);
        Credential renewed = cluster.credential("alice");

        Envelope r = TestClient.await(alice.register(renewed, Cluster.keyOf("alice")));

        assertThat(r.hasRegistered()).isTrue();
        assertThat(alice.connection.isActive()).isTrue();
        assertThat(cluster.node(0).onlineUsers()).isEqualTo(2);
        SearchResult seen = found(bob, "alice");
        assertThat(seen.getRecord().getCredential()).isEqualTo(renewed);
        assertThat(seen.getRecord().getSignedAtMs()).isEqualTo(renewed.getIssuedAtMs());
        assertThat(found(alice, "bob").getFound()).as("the session still serves requests").isTrue();
    }

    @Test
    void anUnrenewedSessionIsEndedWhenItsCredentialExpiresAndARenewedOneStays() throws Exception {
        TestClient alice = cluster.signIn(0, "alice");
        TestClient bob = cluster.signIn(0, "bob");
        cluster.clock.advance(RENEW_AT);
        assertThat(TestClient.await(alice.register(cluster.credential("alice"), Cluster.keyOf("alice"))).hasRegistered())
                .isTrue();

        cluster.clock.advance(Cluster.CREDENTIAL_LIFETIME.minus(RENEW_AT).plus(Credentials.CLOCK_SKEW).plusSeconds(1));

        Envelope ended = bob.nextPush();
        assertThat(ended.getError().getCode()).isEqualTo(ErrorCode.EXPIRED_CREDENTIAL);
        assertThat(ended.getError().getMessage()).startsWith("credential expired at");
        bob.awaitClosed();
        Await.until("bob unregistered", () -> cluster.node(0).onlineUsers() == 1);
        assertThat(alice.connection.isActive()).isTrue();
        assertThat(found(alice, "alice").getRecord().getCredential().getExpiresAtMs())
                .isGreaterThan(cluster.clock.millis());
    }

    @Test
    void reregisterAsAnotherUserIsRefusedAndTheSessionStays() throws Exception {
        TestClient alice = cluster.signIn(0, "alice");
        cluster.clock.advance(Duration.ofMinutes(1));

        ProtocolException e = TestClient.failure(alice.register(cluster.credential("mallory"), Cluster.keyOf("mallory")));

        assertThat(e.code()).isEqualTo(ErrorCode.BAD_REQUEST);
        assertThat(e.getMessage()).contains("expected: 'alice'");
        TestClient bob = cluster.signIn(0, "bob");
        assertThat(found(bob, "alice").getRecord().getCredential().getUsername()).isEqualTo("alice");
        assertThat(bob.search("mallory").getFound()).isFalse();
    }

    @Test
    void aReplayedRegisterIsRefused() throws Exception {
        TestClient alice = cluster.connect(0);
        Credential credential = cluster.credential("alice");
        assertThat(TestClient.await(alice.register(credential, Cluster.keyOf("alice"))).hasRegistered()).isTrue();

        ProtocolException e = TestClient.failure(alice.register(credential, Cluster.keyOf("alice")));

        assertThat(e.code()).isEqualTo(ErrorCode.INVALID_CREDENTIAL);
        assertThat(e.getMessage()).contains("presence_signed_at_ms");
        assertThat(alice.connection.isActive()).isTrue();
    }

    @Test
    void aForgedOrExpiredCredentialDoesNotReplaceTheSession() throws Exception {
        TestClient alice = cluster.signIn(0, "alice");
        Credential registered = found(alice, "alice").getRecord().getCredential();
        cluster.clock.advance(Duration.ofMinutes(1));
        Ed25519KeyPair attacker = TestKeys.key(666);
        Credential forged = Credentials.issue(attacker, "alice", Cluster.keyOf("alice").publicKey(),
                cluster.clock.instant(), Duration.ofDays(365));
        Credential expired = cluster.login.issue("alice", Cluster.keyOf("alice"),
                cluster.clock.instant().minus(Duration.ofHours(3)), Duration.ofHours(1));

        ProtocolException f = TestClient.failure(alice.register(forged, Cluster.keyOf("alice")));
        ProtocolException x = TestClient.failure(alice.register(expired, Cluster.keyOf("alice")));

        assertThat(f.code()).isEqualTo(ErrorCode.INVALID_CREDENTIAL);
        assertThat(x.code()).isEqualTo(ErrorCode.EXPIRED_CREDENTIAL);
        assertThat(found(alice, "alice").getRecord().getCredential()).isEqualTo(registered);
    }
}
