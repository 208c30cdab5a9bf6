package dev.parley.supernode;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.protocol.HostPort;
import dev.parley.protocol.ProtocolException;
import dev.parley.protocol.wire.ErrorCode;
import io.netty.channel.nio.NioEventLoopGroup;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The super node's relationship with the login server: key, heartbeats, directory, reconnects. */
class LoginLinkTest {
    @TempDir
    Path dir;

    @Test
    void refusesRegisterUntilTheKeyIsKnownThenAccepts() throws Exception {
        MutableClock clock = new MutableClock(Cluster.START);
        try (FakeLoginServer login = new FakeLoginServer(TestKeys.key(1));
                var clients = new AutoCloseableGroup()) {
            login.keyAvailable = false;
            login.clock = clock;
            SuperNodeConfig config = new SuperNodeConfig(new HostPort("127.0.0.1", 0), null, login.address(), dir,
                    clock, Cluster.HEARTBEAT, Cluster.PEER_TIMEOUT).withEnrollToken(FakeLoginServer.TOKEN);
            try (SuperNode sn = SuperNode.start(config, TestKeys.seededSecureRandom(5))) {
                Await.until("a few GetServerKey attempts", () -> login.connections.get() >= 2);
                assertThat(sn.ready()).isNotDone();

                TestClient c = TestClient.connect(clients.group, sn.advertisedAddress());
                var credential = login.issue("alice", TestKeys.userKey("alice"), clock.instant(), Duration.ofHours(1));
                ProtocolException e = TestClient.failure(c.register(credential, TestKeys.userKey("alice")));
                assertThat(e.code()).isEqualTo(ErrorCode.INTERNAL);
                assertThat(e.getMessage()).contains("login server key not yet known");

                login.keyAvailable = true;
                sn.ready().get(10, TimeUnit.SECONDS);
                assertThat(TestClient.await(c.register(credential, TestKeys.userKey("alice"))).hasRegistered())
                        .as("same connection may retry").isTrue();
                assertThat(sn.onlineUsers()).isEqualTo(1);
            }
        }
    }

    @Test
    void advertisesTheConfiguredAddressAndFollowsDirectoryChanges() throws Exception {
        try (FakeLoginServer login = new FakeLoginServer(TestKeys.key(1))) {
            HostPort advertised = new HostPort("192.0.2.10", 4000);
            SuperNodeConfig config = SuperNodeConfig.defaults(new HostPort("127.0.0.1", 0), login.address(), dir)
                    .withAdvertise(advertised).withTimings(Cluster.HEARTBEAT, Cluster.PEER_TIMEOUT).withEnrollToken(FakeLoginServer.TOKEN);
            try (SuperNode sn = SuperNode.start(config)) {
                sn.ready().get(10, TimeUnit.SECONDS);
                assertThat(sn.advertisedAddress()).isEqualTo(advertised);
                assertThat(sn.boundAddress().port()).isPositive();
                assertThat(sn.knownPeers()).isEmpty();

                HostPort other = new HostPort("192.0.2.11", 4000);
                login.addPeer(other);
                login.addPeer(advertised); // the login server's own entry for us is never a peer
                Await.until("directory update", () -> sn.knownPeers().contains(other));
                assertThat(sn.knownPeers()).containsExactly(other);
            }
        }
    }

    @Test
    void failsOverToTheNextLoginServerWhenTheFirstDies() throws Exception {
        FakeLoginServer first = new FakeLoginServer(TestKeys.key(1));
        try (first; FakeLoginServer second = new FakeLoginServer(TestKeys.key(1))) { // one key: one trust root
            SuperNodeConfig config = SuperNodeConfig.defaults(new HostPort("127.0.0.1", 0), first.address(), dir)
                    .withLogins(List.of(first.address(), second.address()))
                    .withTimings(Cluster.HEARTBEAT, Cluster.PEER_TIMEOUT).withEnrollToken(FakeLoginServer.TOKEN);
            try (SuperNode sn = SuperNode.start(config)) {
                sn.ready().get(10, TimeUnit.SECONDS);
                assertThat(second.connections.get()).as("the first login server is tried first").isZero();
                second.shareEnrolments(first);

                first.close();
                Await.until("heartbeats to the second login server", () -> second.heartbeats.get() >= 2);
                assertThat(second.renewals.get()).as("certified again there: heartbeats need it on the connection")
                        .isEqualTo(1);
            }
        }
    }

    @Test
    void reconnectsWhenTheLoginConnectionDrops() throws Exception {
        try (FakeLoginServer login = new FakeLoginServer(TestKeys.key(1))) {
            SuperNodeConfig config = SuperNodeConfig.defaults(new HostPort("127.0.0.1", 0), login.address(), dir)
                    .withTimings(Cluster.HEARTBEAT, Cluster.PEER_TIMEOUT).withEnrollToken(FakeLoginServer.TOKEN);
            try (SuperNode sn = SuperNode.start(config)) {
                sn.ready().get(10, TimeUnit.SECONDS);
                assertThat(login.connections.get()).isEqualTo(1);
                login.dropConnections();
                Await.until("second connection", () -> login.connections.get() == 2);
                int beats = login.heartbeats.get();
                Await.until("heartbeats resume", () -> login.heartbeats.get() > beats + 1);
            }
        }
    }

    @Test
    void closeIsIdempotentAndFailsPendingReady() throws Exception {
        try (FakeLoginServer login = new FakeLoginServer(TestKeys.key(1))) {
            login.keyAvailable = false;
            SuperNode sn = SuperNode.start(SuperNodeConfig.defaults(new HostPort("127.0.0.1", 0), login.address(), dir)
                    .withEnrollToken(FakeLoginServer.TOKEN));
            sn.close();
            sn.close();
            assertThat(sn.ready()).isCompletedExceptionally();
        }
    }

    /** An event loop group for test clients, closed with try-with-resources. */
    static final class AutoCloseableGroup implements AutoCloseable {
        final NioEventLoopGroup group = new NioEventLoopGroup(1);

        @Override
        public void close() {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
        }
    }
}
