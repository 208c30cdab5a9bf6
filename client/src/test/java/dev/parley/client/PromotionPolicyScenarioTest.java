package dev.parley.client;

import static dev.parley.client.SelfOrganizingOverlayTest.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.parley.client.call.CallListener;
import dev.parley.client.call.CallReport;
import dev.parley.client.call.EndReason;
import dev.parley.client.call.IncomingCallPolicy;
import dev.parley.client.serve.ServeRole;
import dev.parley.client.serve.ServeSettings;
import dev.parley.codec.audio.PcmBufferSink;
import dev.parley.codec.audio.SilenceSource;
import dev.parley.login.Argon2Params;
import dev.parley.login.LoginLimits;
import dev.parley.login.LoginMetrics;
import dev.parley.login.LoginServer;
import dev.parley.login.LoginServerConfig;
import dev.parley.login.PromotionPolicy;
import dev.parley.protocol.ControlConnection;
import dev.parley.protocol.Ed25519KeyPair;
import dev.parley.protocol.HostPort;
import dev.parley.protocol.ProtocolException;
import dev.parley.protocol.SuperNodeCertificates;
import dev.parley.protocol.X25519KeyPair;
import dev.parley.protocol.tls.KeyVerifier;
import dev.parley.protocol.tls.Tls;
import dev.parley.protocol.wire.Envelope;
import dev.parley.protocol.wire.ErrorCode;
import dev.parley.supernode.SuperNode;
import dev.parley.supernode.SuperNodeConfig;
import io.netty.channel.nio.NioEventLoopGroup;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Demotion on real sockets (docs/architecture.md "Self-organizing overlay"): promoted clients fill
 * the overlay up to its target; when an operator's dedicated super nodes arrive, the surplus
 * promoted super node is demoted (its clients rejoin elsewhere, its key can no longer renew), the
 * dedicated ones are kept, and nothing flaps; a client promoted during a call keeps it.
 */
class PromotionPolicyScenarioTest {
    /** At least 2 super nodes, no uptime wait, demotion after 1 s of service (tests are short). */
    private static final PromotionPolicy QUICK = new PromotionPolicy(2, 300, Duration.ZERO, 4, Duration.ofSeconds(1));
    private static final IncomingCallPolicy DECLINE = (id, c) -> new IncomingCallPolicy.Decline("no");

    @TempDir
    Path dir;
    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : open.reversed()) {
            c.close();
        }
    }

    private <T extends AutoCloseable> T opened(T c) {
        open.add(c);
        return c;
    }

    @Test
    void dedicatedSuperNodesArePreferredAndTheSurplusPromotedOneIsDemoted() throws Exception {
        LoginServer login = opened(LoginServer.start(LoginServerConfig.defaults(new HostPort("127.0.0.1", 0),
                dir.resolve("login")).withArgon2(new Argon2Params(1024, 1, 1))
                .withLimits(LoginLimits.DEFAULTS.withPerAddress(1_000, 1_000, 1_000, 1_000)), LoginMetrics.none(), QUICK));
        SplittableRandom seeds = new SplittableRandom(7);
        ExecutorService starters = Executors.newFixedThreadPool(4);
        List<Future<ParleyClient>> starting = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            String user = "member" + i;
            ClientOptions o = new ClientOptions(login.boundAddress(), user, user + "-password", dir.resolve(user), true,
                    null, 32, 60, Duration.ofSeconds(10), DECLINE, CallListener.NONE, InstantSource.system(),
                    new SplittableRandom(seeds.nextLong()));
            starting.add(starters.submit(() -> ParleyClient.start(o, ServeSettings.DEFAULTS)));
        }
        List<ParleyClient> clients = new ArrayList<>();
        for (Future<ParleyClient> f : starting) {
            clients.add(opened(f.get(30, TimeUnit.SECONDS)));
        }
        starters.shutdown();
        await(() -> serving(clients).size() == 2, 10_000, "two clients promoted (the target)");

        // The operator adds two dedicated super nodes: 4 live > target 2 + slack 1.
        for (int i = 0; i < 2; i++) {
            SuperNode sn = opened(SuperNode.start(SuperNodeConfig.defaults(new HostPort("127.0.0.1", 0),
                    login.boundAddress(), dir.resolve("dedicated" + i))
                    .withTimings(Duration.ofMillis(200), Duration.ofSeconds(2))
                    .withEnrollToken(login.superNodes().createToken(Duration.ofMinutes(10)))));
            sn.ready().get(10, TimeUnit.SECONDS);
        }
        List<ParleyClient> before = serving(clients);
        List<HostPort> addresses = before.stream().map(c -> c.serveRole().superNode().advertisedAddress()).toList();
        await(() -> serving(clients).size() == 1, 10_000, "one promoted super node demoted");
        ParleyClient demoted = before.stream().filter(c -> !serving(clients).contains(c)).findFirst().orElseThrow();
        // No flapping: 3 live is within target + slack, so nothing else changes.
        long steady = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        while (System.nanoTime() < steady) {
            assertThat(serving(clients)).hasSize(1);
            TimeUnit.MILLISECONDS.sleep(100); // sampling a steady state for 2 s
        }
        await(() -> clients.stream().allMatch(c -> c.session() != null), 5_000, "everyone registered");

        // The demoted key no longer renews its certificate.
        Ed25519KeyPair key = Ed25519KeyPair.loadOrCreate(dir.resolve(demoted.username()).resolve(ServeRole.DIR)
                .resolve("node.key"), new SecureRandom());
        NioEventLoopGroup io = new NioEventLoopGroup(1);
        try (ControlConnection c = ControlConnection.connect(io, login.boundAddress(),
                Tls.client(KeyVerifier.pinned(login.publicKey(), "login server")), p -> { }, Duration.ofSeconds(5))
                .get(5, TimeUnit.SECONDS)) {
            Envelope.Builder renew = Envelope.newBuilder().setRenewSupernode(SuperNodeCertificates.renewRequest(key,
                    X25519KeyPair.derive(key, SuperNodeCertificates.MESH_KEY_LABEL), addresses.get(before.indexOf(demoted)),
                    System.currentTimeMillis()));
            assertThatThrownBy(() -> {
                try {
                    c.request(renew, Duration.ofSeconds(5)).get(6, TimeUnit.SECONDS);
                } catch (ExecutionException e) {
                    throw e.getCause();
                }
            }).isInstanceOfSatisfying(ProtocolException.class, e -> {
                assertThat(e.code()).isEqualTo(ErrorCode.INVALID_CREDENTIAL);
                assertThat(e.getMessage()).contains("demoted");
            });
        } finally {
            io.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
    }

    @Test
    void aClientPromotedDuringACallKeepsTheCall() throws Exception {
        PromotionPolicy three = new PromotionPolicy(3, 300, Duration.ZERO, 4, Duration.ofSeconds(1));
        LoginServer login = opened(LoginServer.start(LoginServerConfig.defaults(new HostPort("127.0.0.1", 0),
                dir.resolve("login")).withArgon2(new Argon2Params(1024, 1, 1)).withSuperNodeTtl(Duration.ofSeconds(2))
                .withLimits(LoginLimits.DEFAULTS.withPerAddress(1_000, 1_000, 1_000, 1_000)), LoginMetrics.none(), three));
        List<SuperNode> dedicated = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            SuperNode sn = opened(SuperNode.start(SuperNodeConfig.defaults(new HostPort("127.0.0.1", 0),
                    login.boundAddress(), dir.resolve("dedicated" + i))
                    .withTimings(Duration.ofMillis(200), Duration.ofSeconds(2))
                    .withEnrollToken(login.superNodes().createToken(Duration.ofMinutes(10)))));
            sn.ready().get(10, TimeUnit.SECONDS);
            dedicated.add(sn);
        }
        IncomingCallPolicy answer = (id, c) -> new IncomingCallPolicy.Answer(SilenceSource.endless(), new PcmBufferSink());
        ParleyClient server = opened(ParleyClient.start(new ClientOptions(login.boundAddress(), "sam", "sam-password",
                dir.resolve("sam"), true, null, 32, 60, Duration.ofSeconds(10), answer, CallListener.NONE,
                InstantSource.system(), new SplittableRandom(1)), ServeSettings.DEFAULTS));
        ParleyClient caller = opened(ParleyClient.start(new ClientOptions(login.boundAddress(), "cat", "cat-password",
                dir.resolve("cat"), true, null, 32, 60, Duration.ofSeconds(10), DECLINE, CallListener.NONE,
                InstantSource.system(), new SplittableRandom(2)), ServeSettings.OFF));
        CompletableFuture<CallReport> call = caller.calls().call("sam", SilenceSource.endless(), new PcmBufferSink());
        await(() -> {
            try {
                return server.calls().hasCall().get(1, TimeUnit.SECONDS) && caller.calls().hasCall().get(1, TimeUnit.SECONDS);
            } catch (Exception e) {
                return false;
            }
        }, 10_000, "call up");
        assertThat(server.serveRole().superNode()).as("3 dedicated super nodes: nobody promoted").isNull();

        // A super node neither party uses leaves: sam, the one eligible candidate, is promoted mid-call.
        SuperNode unused = dedicated.stream().filter(sn -> !sn.advertisedAddress().equals(server.superNode())
                && !sn.advertisedAddress().equals(caller.superNode())).findFirst().orElseThrow();
        unused.close();
        await(() -> server.serveRole().superNode() != null, 10_000, "sam promoted");
        TimeUnit.MILLISECONDS.sleep(500); // let media flow a while after the promotion
        assertThat(call).as("the call goes on").isNotDone();
        assertThat(server.calls().hasCall().get(1, TimeUnit.SECONDS)).isTrue();
        caller.calls().hangup().get(5, TimeUnit.SECONDS);
        CallReport report = call.get(10, TimeUnit.SECONDS);
        assertThat(report.connected()).isTrue();
        assertThat(report.end()).isEqualTo(EndReason.HUNG_UP);
        assertThat(server.session()).as("sam's own session is unaffected").isNotNull();
    }

    @Test
    void aSurgeOfLoginsPromotesYoungCandidatesBeforeTheyRegister() throws Exception {
        // One per 2 online clients, an hour's uptime before a promotion that is not urgent.
        PromotionPolicy patient = new PromotionPolicy(1, 2, Duration.ofHours(1), 4, Duration.ofHours(1));
        LoginServer login = opened(LoginServer.start(LoginServerConfig.defaults(new HostPort("127.0.0.1", 0),
                dir.resolve("login")).withArgon2(new Argon2Params(1024, 1, 1))
                .withLimits(LoginLimits.DEFAULTS.withPerAddress(1_000, 1_000, 1_000, 1_000)
                        .withProbes(new LoginLimits.ProbeLimits(100, Duration.ofSeconds(20), 100, 50))), // all on 127.0.0.1
                LoginMetrics.none(), patient));
        SuperNode dedicated = opened(SuperNode.start(SuperNodeConfig.defaults(new HostPort("127.0.0.1", 0),
                login.boundAddress(), dir.resolve("dedicated"))
                .withTimings(Duration.ofMillis(200), Duration.ofSeconds(2))
                .withEnrollToken(login.superNodes().createToken(Duration.ofMinutes(10)))));
        dedicated.ready().get(10, TimeUnit.SECONDS);
        List<ParleyClient> candidates = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            String user = "offer" + i;
            candidates.add(opened(ParleyClient.start(new ClientOptions(login.boundAddress(), user, user + "-password",
                    dir.resolve(user), true, null, 32, 60, Duration.ofSeconds(10), DECLINE, CallListener.NONE,
                    InstantSource.system(), new SplittableRandom(10 + i)), ServeSettings.DEFAULTS)));
        }
        await(() -> candidates.stream().allMatch(c -> c.session() != null), 10_000, "the candidates registered");
        // 3 online: target 2, 1 serves (half): the young candidates wait for their hour.
        long quiet = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        while (System.nanoTime() < quiet) {
            assertThat(serving(candidates)).isEmpty();
            TimeUnit.MILLISECONDS.sleep(100); // sampling a steady state for 2 s
        }
        // 21 more accounts log in (none registers yet): 24 online, target 12, 1 serves: urgent, and still
        // urgent with all three candidates serving, whenever each proved eligible.
        NioEventLoopGroup io = new NioEventLoopGroup(1);
        try {
            for (int i = 0; i < 21; i++) {
                LoginClient.login(io, login.boundAddress(), Tls.client(KeyVerifier.pinned(login.publicKey(), "login server")),
                        "arrival" + i, "arrival" + i + "-password", Ed25519KeyPair.generate(new SecureRandom()).publicKey(), true)
                        .get(10, TimeUnit.SECONDS);
            }
            await(() -> serving(candidates).size() == 3, 10_000, "all three candidates promoted at once");
        } finally {
            io.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
    }

    private static List<ParleyClient> serving(List<ParleyClient> clients) {
        return clients.stream().filter(c -> c.serveRole() != null && c.serveRole().superNode() != null).toList();
    }
}
