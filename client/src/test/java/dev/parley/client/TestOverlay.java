package dev.parley.client;

import dev.parley.client.call.CallListener;
import dev.parley.client.call.CallReport;
import dev.parley.client.call.IncomingCallPolicy;
import dev.parley.login.Argon2Params;
import dev.parley.login.LoginServer;
import dev.parley.login.LoginLimits;
import dev.parley.login.LoginServerConfig;
import dev.parley.protocol.HostPort;
import dev.parley.supernode.SuperNode;
import dev.parley.supernode.SuperNodeConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

/**
 * A whole overlay in one JVM on 127.0.0.1: a real login server, N real super nodes and clients,
 * with cheap Argon2id costs and seeded randomness. Super nodes heartbeat every 200 ms so they
 * learn each other quickly; the fixture waits until every super node knows all others.
 */
final class TestOverlay implements AutoCloseable {
    private static final Argon2Params CHEAP = new Argon2Params(1024, 1, 1);

    final LoginServer login;
    final List<SuperNode> superNodes = new ArrayList<>();
    private final List<ParleyClient> clients = new ArrayList<>();
    private final Path dir;
    private final SplittableRandom seeds = new SplittableRandom(2026);

    TestOverlay(Path dir, int superNodeCount) throws Exception {
        this(dir, superNodeCount, UnaryOperator.identity());
    }

    /** @param tune changes the login server's settings (e.g. a short credential lifetime) */
    TestOverlay(Path dir, int superNodeCount, UnaryOperator<LoginServerConfig> tune) throws Exception {
        this(dir, superNodeCount, tune, UnaryOperator.identity());
    }

    /**
     * @param tune changes the login server's settings
     * @param superNodeTune changes each super node's settings (e.g. its advertised address)
     */
    TestOverlay(Path dir, int superNodeCount, UnaryOperator<LoginServerConfig> tune,
            UnaryOperator<SuperNodeConfig> superNodeTune) throws Exception {
        this.dir = dir;
        login = LoginServer.start(tune.apply(LoginServerConfig.defaults(new HostPort("127.0.0.1", 0), dir.resolve("login"))
                .withArgon2(CHEAP)
                // Every test client logs in from 127.0.0.1: lift the per-address limits (LoginAbuseTest covers them).
                .withLimits(LoginLimits.DEFAULTS.withPerAddress(1_000, 1_000, 1_000, 1_000))));
        for (int i = 0; i < superNodeCount; i++) {
            SuperNodeConfig c = SuperNodeConfig.defaults(new HostPort("127.0.0.1", 0), login.boundAddress(), dir.resolve("sn" + i))
                    .withTimings(Duration.ofMillis(200), Duration.ofSeconds(2))
                    .withEnrollToken(login.superNodes().createToken(Duration.ofMinutes(10))); // the operator's step
            superNodes.add(SuperNode.start(superNodeTune.apply(c)));
        }
        for (SuperNode sn : superNodes) {
            sn.ready().get(10, TimeUnit.SECONDS);
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (superNodes.stream().anyMatch(sn -> sn.knownPeers().size() < superNodeCount - 1)) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("super nodes did not learn each other within 10 s");
            }
            TimeUnit.MILLISECONDS.sleep(20); // polling for heartbeats, with a deadline
        }
    }

    HostPort superNode(int i) {
        return superNodes.get(i).boundAddress();
    }

    ClientOptions options(String user, String password, int superNode, IncomingCallPolicy policy, CallListener listener) {
        return new ClientOptions(login.boundAddress(), user, password, dir.resolve("client-" + user), true,
                superNode < 0 ? null : superNode(superNode), 32, 60, Duration.ofSeconds(10), policy, listener,
                InstantSource.system(), new SplittableRandom(seeds.nextLong()));
    }

    /** Starts a client registered with super node {@code superNode} (-1: chosen from its host cache). */
    ParleyClient client(String user, int superNode, IncomingCallPolicy policy, CallListener listener) throws Exception {
        ParleyClient c = ParleyClient.start(options(user, user + "-password", superNode, policy, listener));
        clients.add(c);
        return c;
    }

    /** Starts a client with the given options (closed with the overlay). */
    ParleyClient client(ClientOptions options) throws Exception {
        ParleyClient c = ParleyClient.start(options);
        clients.add(c);
        return c;
    }

    /** A listener that completes {@code ended} with the first call report. */
    static CallListener completing(CompletableFuture<CallReport> ended) {
        return new CallListener() {
            @Override
            public void onEnded(CallReport report) {
                ended.complete(report);
            }
        };
    }

    @Override
    public void close() throws IOException {
        clients.forEach(ParleyClient::close);
        superNodes.forEach(SuperNode::close);
        login.close();
    }
}
