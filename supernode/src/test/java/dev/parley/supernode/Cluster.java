package dev.parley.supernode;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.protocol.Ed25519KeyPair;
import dev.parley.protocol.HostPort;
import dev.parley.protocol.wire.Credential;
import dev.parley.protocol.wire.Envelope;
import io.netty.channel.nio.NioEventLoopGroup;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

/**
 * A fake login server and N super nodes on 127.0.0.1 sharing one {@link MutableClock}, plus an
 * event loop group for test clients. Super nodes get short heartbeat intervals so the directory
 * converges quickly; {@link #awaitDirectory} waits for it.
 */
final class Cluster implements AutoCloseable {
    static final Instant START = Instant.parse("2026-03-01T12:00:00Z");
    static final Duration HEARTBEAT = Duration.ofMillis(50);
    static final Duration PEER_TIMEOUT = Duration.ofMillis(500);
    static final Duration CREDENTIAL_LIFETIME = Duration.ofHours(1);

    final MutableClock clock = new MutableClock(START);
    final FakeLoginServer login;
    final List<SuperNode> nodes = new ArrayList<>();
    final NioEventLoopGroup clients = new NioEventLoopGroup(2);
    private final List<TestClient> opened = new ArrayList<>();

    /** Search settings of test clusters: short waves, generous rate limit (tests poll with searches). */
    static final SearchSettings SEARCH = SearchSettings.DEFAULTS.withTimeouts(Duration.ofMillis(200), Duration.ofSeconds(3))
            .withRateLimit(10_000, 10_000);
    /** Mesh settings of test clusters: no periodic rounds, tests run {@link SuperNode#meshRound()} themselves. */
    static final MeshSettings MESH = MeshSettings.DEFAULTS.withPingInterval(Duration.ofHours(1))
            .withPingTimeout(Duration.ofMillis(300));

    private final UnaryOperator<SuperNodeConfig> tune;

    Cluster(int superNodes, Path dataDir, List<HostPort> extraPeers) throws Exception {
        this(superNodes, dataDir, extraPeers, c -> c);
    }

    /** @param tune adjusts each super node's configuration (search and mesh settings) */
    Cluster(int superNodes, Path dataDir, List<HostPort> extraPeers,
            UnaryOperator<SuperNodeConfig> tune) throws Exception {
        this.tune = tune;
        login = new FakeLoginServer(TestKeys.key(1));
        login.clock = clock;
        extraPeers.forEach(login::addPeer);
        try {
            for (int i = 0; i < superNodes; i++) {
                nodes.add(SuperNode.start(config(dataDir.resolve("sn" + i)), TestKeys.seededSecureRandom(100 + i)));
            }
            for (SuperNode n : nodes) {
                n.ready().get(10, TimeUnit.SECONDS);
            }
        } catch (Exception e) {
            close();
            throw e;
        }
    }

    SuperNodeConfig config(Path dataDir) {
        return tune.apply(new SuperNodeConfig(new HostPort("127.0.0.1", 0), null, login.address(), dataDir, clock,
                HEARTBEAT, PEER_TIMEOUT, SEARCH, MESH).withEnrollToken(FakeLoginServer.TOKEN));
    }

    /** Waits until every super node lists every other one and the extra peers. */
    void awaitDirectory(List<HostPort> extraPeers) throws Exception {
        for (SuperNode n : nodes) {
            List<HostPort> expected = new ArrayList<>(extraPeers);
            nodes.stream().filter(o -> o != n).forEach(o -> expected.add(o.advertisedAddress()));
            Await.until(n.advertisedAddress() + " knows " + expected,
                    () -> n.knownPeers().containsAll(expected));
        }
    }

    /** Runs one mesh round on every super node (liveness, gossip, digests), waiting for all. */
    void meshRound() throws Exception {
        for (SuperNode n : nodes) {
            n.meshRound().get(10, TimeUnit.SECONDS);
        }
    }

    SuperNode node(int i) {
        return nodes.get(i);
    }

    TestClient connect(int node) throws Exception {
        TestClient c = TestClient.connect(clients, nodes.get(node).advertisedAddress());
        opened.add(c);
        return c;
    }

    Credential credential(String username) {
        return login.issue(username, TestKeys.userKey(username), clock.instant(), CREDENTIAL_LIFETIME);
    }

    /** Connects to super node {@code node} and registers {@code username}, asserting success. */
    TestClient signIn(int node, String username) throws Exception {
        TestClient c = connect(node);
        Envelope r = TestClient.await(c.register(credential(username), TestKeys.userKey(username)));
        assertThat(r.hasRegistered()).as("Registered: %s", r).isTrue();
        return c;
    }

    /**
     * Connects to super node {@code node} and registers another device of {@code username}: its own
     * key ({@link #deviceKey}) certified by its own credential; asserts success.
     */
    TestClient signInDevice(int node, String username, String device) throws Exception {
        TestClient c = connect(node);
        Ed25519KeyPair key = deviceKey(username, device);
        Envelope r = TestClient.await(c.register(login.issue(username, key, clock.instant(), CREDENTIAL_LIFETIME), key));
        assertThat(r.hasRegistered()).as("Registered: %s", r).isTrue();
        return c;
    }

    /** @return the fixed key of one device of {@code username} (another device, another key) */
    static Ed25519KeyPair deviceKey(String username, String device) {
        return TestKeys.userKey(username + "/" + device);
    }

    static Ed25519KeyPair keyOf(String username) {
        return TestKeys.userKey(username);
    }

    @Override
    public void close() {
        opened.forEach(TestClient::close);
        nodes.forEach(SuperNode::close);
        login.close();
        clients.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
    }
}
