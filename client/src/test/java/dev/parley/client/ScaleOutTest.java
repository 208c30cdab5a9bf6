package dev.parley.client;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.client.call.CallListener;
import dev.parley.client.call.IncomingCallPolicy;
import dev.parley.login.Argon2Params;
import dev.parley.login.LoginLimits;
import dev.parley.login.LoginServer;
import dev.parley.login.LoginServerConfig;
import dev.parley.login.PgTestDatabase;
import dev.parley.protocol.Credentials;
import dev.parley.protocol.Ed25519KeyPair;
import dev.parley.protocol.HostPort;
import dev.parley.protocol.tls.KeyVerifier;
import dev.parley.protocol.tls.Tls;
import dev.parley.protocol.wire.LoginResult;
import dev.parley.supernode.SuperNode;
import dev.parley.supernode.SuperNodeConfig;
import io.netty.channel.nio.NioEventLoopGroup;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Scale-out (docs/operations.md "Scale-out"): two login servers on one PostgreSQL database, with one
 * signing key, serve any client and super node, and one of them can die without users noticing.
 * Skipped without {@value PgTestDatabase#URL_ENV} outside CI ({@link PgTestDatabase}).
 */
class ScaleOutTest {
    private static final Argon2Params CHEAP = new Argon2Params(1024, 1, 1);
    private static final Duration LIFETIME = Duration.ofSeconds(3);
    private static final Duration TTL = Duration.ofSeconds(2);
    private static final IncomingCallPolicy DECLINE = (id, c) -> new IncomingCallPolicy.Decline("no");

    @TempDir
    Path dir;
    private PgTestDatabase db;
    private final List<AutoCloseable> open = new ArrayList<>();

    @BeforeEach
    void createSchema() {
        db = PgTestDatabase.create("scaleout");
    }

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : open.reversed()) {
            c.close();
        }
        if (db != null) {
            db.close();
        }
    }

    private <T extends AutoCloseable> T opened(T c) {
        open.add(c);
        return c;
    }

    private LoginServerConfig config(String name) {
        return LoginServerConfig.defaults(new HostPort("127.0.0.1", 0), dir.resolve(name)).withJdbcUrl(db.url())
                .withArgon2(CHEAP).withCredentialLifetime(LIFETIME).withSuperNodeTtl(TTL)
                .withLimits(LoginLimits.DEFAULTS.withPerAddress(1_000, 1_000, 1_000, 1_000)); // all on 127.0.0.1
    }

    private SuperNode superNode(String name, List<HostPort> logins, String token) throws Exception {
        return opened(SuperNode.start(SuperNodeConfig.defaults(new HostPort("127.0.0.1", 0), logins.getFirst(),
                dir.resolve(name)).withLogins(logins).withTimings(Duration.ofMillis(200), Duration.ofSeconds(2))
                .withEnrollToken(token)));
    }

    private ParleyClient client(String user, List<HostPort> logins, SuperNode via, long seed) throws Exception {
        return opened(ParleyClient.start(new ClientOptions(logins.getFirst(), user, user + "-password",
                dir.resolve("client-" + user), true, via.advertisedAddress(), 32, 60, Duration.ofSeconds(10), DECLINE,
                CallListener.NONE, InstantSource.system(), new SplittableRandom(seed)).withLogins(logins)));
    }

    @Test
    void eitherLoginServerServesEveryoneAndOneDiesUnnoticed() throws Exception {
        LoginServer a = opened(LoginServer.start(config("login-a")));
        Files.createDirectories(dir.resolve("login-b"));
        Files.copy(dir.resolve("login-a/login-server.key"), dir.resolve("login-b/login-server.key")); // the operator's step
        LoginServer b = opened(LoginServer.start(config("login-b")));
        byte[] key = a.publicKey();
        assertThat(b.publicKey()).as("one trust root").isEqualTo(key);

        // sn0 heartbeats A, sn1 B (enrolled there with a token made on A): each learns the other
        // through its own login server's directory, shared through the database.
        SuperNode sn0 = superNode("sn0", List.of(a.boundAddress(), b.boundAddress()), a.superNodes().createToken(Duration.ofHours(1)));
        SuperNode sn1 = superNode("sn1", List.of(b.boundAddress(), a.boundAddress()), a.superNodes().createToken(Duration.ofHours(1)));
        sn0.ready().get(10, TimeUnit.SECONDS);
        sn1.ready().get(10, TimeUnit.SECONDS);
        await("super nodes learn each other across login servers", () -> sn0.knownPeers().contains(sn1.advertisedAddress())
                && sn1.knownPeers().contains(sn0.advertisedAddress()));

        // alice's account is created on A (the first she knows), bob's on B; both credentials verify with the one key.
        ParleyClient alice = client("alice", List.of(a.boundAddress(), b.boundAddress()), sn0, 1);
        ParleyClient bob = client("bob", List.of(b.boundAddress()), sn1, 2);
        Credentials.verify(key, alice.credential(), Instant.now());
        Credentials.verify(key, bob.credential(), Instant.now());

        NioEventLoopGroup io = new NioEventLoopGroup(1);
        open.add(() -> io.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly());
        // alice's account, created on A, logs in on B; B lists sn0, which only A has heard.
        LoginResult onB = loginOn(io, b, key, "alice");
        Credentials.verify(key, onB.getCredential(), Instant.now());
        assertThat(onB.getSuperNodesList().stream().map(HostPort::of).toList())
                .contains(sn0.advertisedAddress(), sn1.advertisedAddress());

        a.close(); // A dies
        long killedAtMs = System.currentTimeMillis();

        await("alice's credential renewed through B", () -> alice.credential().getIssuedAtMs() > killedAtMs);
        Credentials.verify(key, alice.credential(), Instant.now());
        assertThat(alice.renewalRefused()).isNotDone();
        // sn0 heartbeats B now: still listed once its last heartbeat to A is past the TTL.
        await("a TTL after A died", () -> System.currentTimeMillis() > killedAtMs + TTL.toMillis() + 500);
        assertThat(loginOn(io, b, key, "bob").getSuperNodesList().stream().map(HostPort::of).toList())
                .contains(sn0.advertisedAddress(), sn1.advertisedAddress());
        assertThat(bob.search("alice").get(10, TimeUnit.SECONDS).getFound()).as("alice still findable").isTrue();
    }

    /** Logs {@code user} in on {@code server} alone, with a fresh client key, trusting only {@code key}. */
    private static LoginResult loginOn(NioEventLoopGroup io, LoginServer server, byte[] key, String user) throws Exception {
        byte[] clientKey = Ed25519KeyPair.generate(new SecureRandom()).publicKey();
        return LoginClient.login(io, server.boundAddress(), Tls.client(KeyVerifier.pinned(key, "login server")), user,
                user + "-password", clientKey, false).get(10, TimeUnit.SECONDS);
    }

    /** Polls {@code condition} every 50 ms for up to 15 s. */
    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within 15 s: " + what);
            }
            TimeUnit.MILLISECONDS.sleep(50); // polling interval, with a deadline
        }
    }
}
