package dev.parley.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.parley.client.LoginClient;
import dev.parley.client.SuperNodeSession;
import dev.parley.client.serve.ServeRole;
import dev.parley.client.serve.ServeSettings;
import dev.parley.login.Argon2Params;
import dev.parley.login.LoginServer;
import dev.parley.login.LoginServerConfig;
import dev.parley.protocol.Ed25519KeyPair;
import dev.parley.protocol.HostPort;
import dev.parley.protocol.ProtocolException;
import dev.parley.protocol.tls.KeyPin;
import dev.parley.protocol.tls.KeyVerifier;
import dev.parley.protocol.tls.Tls;
import dev.parley.protocol.wire.AdminCommand;
import dev.parley.protocol.wire.ErrorCode;
import dev.parley.protocol.wire.ListSuperNodes;
import dev.parley.protocol.wire.LoginResult;
import dev.parley.supernode.SuperNode;
import dev.parley.supernode.SuperNodeConfig;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.handler.ssl.SslContext;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code parley admin} end to end: a real login server and an enrolled super node in this JVM, real
 * clients registered on it, and the admin commands run through the launcher's command line over
 * real TLS connections with a real admin key.
 */
class AdminCommandTest {
    private static final HostPort ANY_LOOPBACK = new HostPort("127.0.0.1", 0);
    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    @TempDir
    Path dir;

    private final List<AutoCloseable> open = new ArrayList<>();
    private final EventLoopGroup group = new NioEventLoopGroup(1);

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : open.reversed()) {
            c.close();
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** Exit code and standard output of one {@code parley ...} run. */
    private record Run(int exit, String out, String err) {}

    private static Run parley(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        var cl = Main.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int exit = cl.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    private Run admin(String... args) {
        List<String> all = new ArrayList<>(List.of("admin", args[0]));
        all.addAll(List.of("--login", login.boundAddress().toString(), "--key", dir.resolve("admin.key").toString()));
        all.addAll(Arrays.asList(args).subList(1, args.length));
        return parley(all.toArray(String[]::new));
    }

    private LoginServer login;

    private AdminOptions adminOptions() {
        AdminOptions options = new AdminOptions();
        options.login = login.boundAddress();
        options.key = dir.resolve("admin.key");
        return options;
    }

    @Test
    void adminListsDisablesEnablesResetsAndSeesWhoIsOnline() throws Exception {
        login = LoginServer.start(LoginServerConfig.defaults(ANY_LOOPBACK, dir.resolve("login"))
                .withArgon2(new Argon2Params(64, 1, 1)));
        open.add(login);
        SuperNode node = SuperNode.start(SuperNodeConfig.defaults(ANY_LOOPBACK, login.boundAddress(), dir.resolve("sn"))
                .withTimings(Duration.ofMillis(200), SuperNodeConfig.DEFAULT_PEER_REQUEST_TIMEOUT)
                .withEnrollToken(login.superNodes().createToken(Duration.ofMinutes(5))), seeded(1));
        open.add(node);
        node.ready().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);

        Run help = parley("admin", "--help");
        assertThat(help.exit()).isZero();
        assertThat(help.out()).contains("keygen", "accounts", "disable", "enable", "reset-password", "supernodes", "online");

        // keygen: a private key only its owner reads, and the public key to authorize.
        Run keygen = parley("admin", "keygen", "--key", dir.resolve("admin.key").toString());
        assertThat(keygen.exit()).isZero();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("admin.key"))))
                .isEqualTo("rw-------");
        assertThat(Files.readString(dir.resolve("admin.key.pub")).strip()).isEqualTo(keygen.out().strip());
        assertThat(parley("admin", "keygen", "--key", dir.resolve("admin.key").toString()).exit())
                .as("an admin key is never overwritten").isNotZero();

        // Before authorization the login server refuses the key.
        Run refused = admin("accounts");
        assertThat(refused.exit()).isNotZero();
        assertThat(refused.err()).contains("NOT_AUTHORIZED");
        assertThat(parley("login-server", "authorize-admin", "--data", dir.resolve("login").toString(),
                dir.resolve("admin.key.pub").toString()).exit()).isZero();

        SslContext tls = Tls.client(KeyPin.inMemory("login server").verifier());
        Ed25519KeyPair aliceKey = Ed25519KeyPair.fromSeed(seedBytes(1));
        LoginResult alice = LoginClient.login(group, login.boundAddress(), tls, "alice", "password-alice",
                aliceKey.publicKey(), true).get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        SuperNodeSession aliceSession = register(node, alice, aliceKey);
        Ed25519KeyPair bobKey = Ed25519KeyPair.fromSeed(seedBytes(2));
        LoginResult bob = LoginClient.login(group, login.boundAddress(), tls, "bob", "password-bob",
                bobKey.publicKey(), true).get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        register(node, bob, bobKey);
        LoginClient.login(group, login.boundAddress(), tls, "carol", "password-carol",
                Ed25519KeyPair.fromSeed(seedBytes(3)).publicKey(), true).get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);

        Run accounts = admin("accounts");
        assertThat(accounts.exit()).as(accounts.err()).isZero();
        List<String> rows = accounts.out().lines().skip(1).toList();
        assertThat(rows).hasSize(3);
        assertThat(rows.get(0)).startsWith("alice").contains(" no ").doesNotEndWith("-");
        assertThat(rows.get(2)).startsWith("carol");
        Run page = admin("accounts", "--after", "alice", "--limit", "1");
        assertThat(page.out().lines().skip(1).toList()).singleElement().asString().startsWith("bob");

        // The heartbeat after both registrations carries the load (polled on one admin connection:
        // each response carries the next challenge).
        String address = node.advertisedAddress().toString();
        try (AdminClient client = adminOptions().connect()) {
            AdminCommand list = AdminCommand.newBuilder().setListSuperNodes(ListSuperNodes.getDefaultInstance()).build();
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            while (client.call(list).getSuperNodes().getSuperNodesList().stream()
                    .noneMatch(s -> s.getRegisteredClients() == 2)) {
                assertThat(System.nanoTime()).as("heartbeat with 2 clients").isLessThan(deadline);
            }
        }
        Run superNodes = admin("supernodes");
        assertThat(superNodes.out().lines().filter(l -> l.startsWith(address)).toList()).singleElement().asString()
                .contains(KeyVerifier.fingerprint(node.certificate().getNodeKey().toByteArray()))
                .matches(".*\\s2\\s+0\\s+0\\s+-$"); // a dedicated super node's upload was never measured

        Run online = admin("online", address);
        assertThat(online.exit()).as(online.err()).isZero();
        assertThat(online.out().lines().sorted().toList()).containsExactly("alice", "bob");
        assertThat(admin("online", address, "--limit", "1").out().lines().count()).isEqualTo(1);
        assertThat(admin("online", "127.0.0.1:1").exit()).as("no such super node").isNotZero();

        // Disable: the session is dropped at once, and neither login, renewal nor registering again gets in.
        Run disable = admin("disable", "alice");
        assertThat(disable.exit()).as(disable.err()).isZero();
        assertThat(disable.out()).contains("1 session(s) dropped");
        aliceSession.closeFuture().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        assertThat(code(() -> LoginClient.login(group, login.boundAddress(), tls, "alice", "password-alice",
                aliceKey.publicKey(), false).get(TIMEOUT.toSeconds(), TimeUnit.SECONDS))).isEqualTo(ErrorCode.ACCOUNT_DISABLED);
        assertThat(code(() -> LoginClient.renew(group, login.boundAddress(), tls, alice.getCredential(), aliceKey,
                Clock.systemUTC()).get(TIMEOUT.toSeconds(), TimeUnit.SECONDS))).isEqualTo(ErrorCode.ACCOUNT_DISABLED);
        assertThat(code(() -> register(node, alice, aliceKey))).isEqualTo(ErrorCode.ACCOUNT_DISABLED);
        assertThat(admin("accounts").out()).containsPattern("alice\\s+\\S+\\s+yes");

        assertThat(admin("enable", "alice").exit()).isZero();
        LoginResult again = LoginClient.login(group, login.boundAddress(), tls, "alice", "password-alice",
                aliceKey.publicKey(), false).get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        register(node, again, aliceKey); // a credential issued after the revocation registers

        // Reset: the new password works, the old one does not; bob's session is dropped.
        Path pw = dir.resolve("new-password");
        Files.writeString(pw, "a-new-password-for-bob\n", StandardCharsets.UTF_8);
        Run reset = admin("reset-password", "bob", "--password-file", pw.toString());
        assertThat(reset.exit()).as(reset.err()).isZero();
        assertThat(reset.out()).contains("1 session(s) dropped");
        assertThat(code(() -> LoginClient.login(group, login.boundAddress(), tls, "bob", "password-bob",
                bobKey.publicKey(), false).get(TIMEOUT.toSeconds(), TimeUnit.SECONDS))).isEqualTo(ErrorCode.WRONG_CREDENTIALS);
        LoginClient.login(group, login.boundAddress(), tls, "bob", "a-new-password-for-bob", bobKey.publicKey(), false)
                .get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        assertThat(admin("disable", "nobody-here").err()).contains("USER_NOT_FOUND");

        // A key that is not authorized (another admin's, made but never authorized) is refused.
        assertThat(parley("admin", "keygen", "--key", dir.resolve("other.key").toString()).exit()).isZero();
        Run other = parley("admin", "disable", "bob", "--login", login.boundAddress().toString(),
                "--key", dir.resolve("other.key").toString());
        assertThat(other.exit()).isNotZero();
        assertThat(other.err()).contains("NOT_AUTHORIZED");
        // Revoked: the first key is refused from then on.
        assertThat(parley("login-server", "authorize-admin", "--revoke", "--data", dir.resolve("login").toString(),
                dir.resolve("admin.key.pub").toString()).exit()).isZero();
        assertThat(admin("supernodes").err()).contains("NOT_AUTHORIZED");
    }

    @Test
    void supernodesShowsTheUploadTheLoginServerMeasuredForAPromotedClient() throws Exception {
        login = LoginServer.start(LoginServerConfig.defaults(ANY_LOOPBACK, dir.resolve("login"))
                .withArgon2(new Argon2Params(64, 1, 1)));
        open.add(login);
        assertThat(parley("admin", "keygen", "--key", dir.resolve("admin.key").toString()).exit()).isZero();
        assertThat(parley("login-server", "authorize-admin", "--data", dir.resolve("login").toString(),
                dir.resolve("admin.key.pub").toString()).exit()).isZero();
        // A client offering to serve: no super node yet, so the login server probes, measures its
        // upload burst and promotes it at once.
        ServeRole role = ServeRole.start(group, List.of(login.boundAddress()),
                Tls.client(KeyVerifier.pinned(login.publicKey(), "login server")), login.publicKey(),
                dir.resolve("client"), ServeSettings.DEFAULTS, InstantSource.system(), seeded(7),
                c -> c.withTimings(Duration.ofMillis(200), SuperNodeConfig.DEFAULT_PEER_REQUEST_TIMEOUT));
        open.add(role);
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        Run superNodes = admin("supernodes");
        while (role.superNode() == null || superNodes.out().lines().noneMatch(l -> l.contains(role.fingerprint()))) {
            assertThat(System.nanoTime()).as("promoted and heard: " + superNodes.out()).isLessThan(deadline);
            TimeUnit.MILLISECONDS.sleep(50); // polling with a deadline
            superNodes = admin("supernodes");
        }
        assertThat(superNodes.exit()).as(superNodes.err()).isZero();
        assertThat(superNodes.out().lines().findFirst().orElseThrow()).endsWith("UPLOAD KBPS");
        // What the login server measured, at most the share the client stated (it told the client the measurement).
        int expected = Math.min(role.measuredUploadKbps(), ServeSettings.DEFAULTS.bandwidthShareKbps());
        assertThat(expected).as("measured").isGreaterThanOrEqualTo(256);
        assertThat(superNodes.out().lines().filter(l -> l.contains(role.fingerprint())).toList()).singleElement()
                .asString().endsWith(" " + expected);
    }

    private SuperNodeSession register(SuperNode node, LoginResult result, Ed25519KeyPair key) throws Exception {
        SuperNodeSession s = SuperNodeSession.register(group, node.advertisedAddress(),
                result.getServerPublicKey().toByteArray(), result.getCredential(), key, List.of(), signal -> { },
                Clock.systemUTC()).get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        open.add(s::close);
        return s;
    }

    /** Something that fails with a ProtocolException. */
    @FunctionalInterface
    private interface Failing {
        void run() throws Exception;
    }

    private static ErrorCode code(Failing f) {
        try {
            f.run();
        } catch (ExecutionException e) {
            assertThat(e.getCause()).isInstanceOf(ProtocolException.class);
            return ((ProtocolException) e.getCause()).code();
        } catch (Exception e) {
            throw new AssertionError("expected a ProtocolException", e);
        }
        throw new AssertionError("expected a refusal, got success");
    }

    private static byte[] seedBytes(int seed) {
        byte[] b = new byte[Ed25519KeyPair.KEY_BYTES];
        Arrays.fill(b, (byte) seed);
        return b;
    }

    private static SecureRandom seeded(long seed) throws Exception {
        SecureRandom r = SecureRandom.getInstance("SHA1PRNG");
        r.setSeed(seed);
        return r;
    }
}
