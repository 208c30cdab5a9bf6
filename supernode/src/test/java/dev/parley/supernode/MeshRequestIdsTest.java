package dev.parley.supernode;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.protocol.Ed25519KeyPair;
import dev.parley.protocol.HostPort;
import dev.parley.protocol.SplittableRandomPredictor;
import dev.parley.protocol.wire.Envelope;
import dev.parley.protocol.wire.PeerLookup;
import dev.parley.protocol.wire.SuperNodeCertificate;
import io.netty.channel.nio.NioEventLoopGroup;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mesh request ids are what stops an off-path host from forging answers to a super node's lookups
 * and pings. The attack: a host that saw one request id recovers a {@link SplittableRandom}'s state
 * and predicts the next ids. The production wiring draws them from a {@code SecureRandom}.
 */
class MeshRequestIdsTest {
    private final NioEventLoopGroup group = new NioEventLoopGroup(1);

    @AfterEach
    void stop() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
    }

    @Test
    void productionSuperNodeRequestIdsAreNotPredictable(@TempDir Path dir) throws Exception {
        try (FakeLoginServer login = new FakeLoginServer(TestKeys.key(1))) {
            MutableClock clock = new MutableClock(Cluster.START);
            login.clock = clock;
            try (FakePeer peer = new FakePeer(group, login)) {
            login.addPeer(peer.address);
            SuperNodeConfig config = new SuperNodeConfig(new HostPort("127.0.0.1", 0), null, login.address(), dir,
                    clock, Cluster.HEARTBEAT, Cluster.PEER_TIMEOUT, Cluster.SEARCH, Cluster.MESH)
                    .withEnrollToken(FakeLoginServer.TOKEN);
            try (SuperNode sn = SuperNode.start(config)) { // the production entry point: no injected random
                sn.ready().get(10, TimeUnit.SECONDS);
                Await.until("the peer in the table", () -> sn.knownPeers().contains(peer.address));
                Await.until("4 mesh requests seen by the peer", () -> {
                    sn.meshRound().get(10, TimeUnit.SECONDS);
                    return peer.requestIds.size() >= 4;
                });
            }
            List<Long> ids = List.copyOf(peer.requestIds);
            for (int i = 0; i + 1 < ids.size(); i++) {
                assertThat(predictions(ids.get(i))).as("id after %s, predicted from it", ids.get(i))
                        .doesNotContain(ids.get(i + 1));
            }
            }
        }
    }

    @Test
    void oneObservedIdPredictsTheNextFromASeededSplittableRandom() throws Exception {
        // The old wiring: SplittableRandom seeded once (from SecureRandom; the seed does not matter).
        SplittableRandom old = new SplittableRandom(new SplittableRandom(77).nextLong());
        Ed25519KeyPair key = TestKeys.key(5);
        AtomicReference<SuperNodeCertificate> certificate = new AtomicReference<>();
        try (FakeLoginServer login = new FakeLoginServer(TestKeys.key(1)); FakePeer peer = new FakePeer(group, login);
                MeshTransport transport = MeshTransport.bind(group, new InetSocketAddress("127.0.0.1", 0), old,
                        TestMeshKeys.of(key, certificate::get, login, 5))) {
            InetSocketAddress local = transport.localAddress();
            certificate.set(login.certify(key, new HostPort("127.0.0.1", local.getPort()), login.clock.instant()));
            transport.loop().submit(() -> transport.keys().learn(peer.certificate)).get(10, TimeUnit.SECONDS);
            InetSocketAddress to = new InetSocketAddress(peer.address.host(), peer.address.port());
            for (int i = 0; i < 2; i++) {
                transport.request(to, Envelope.newBuilder().setPeerLookup(PeerLookup.newBuilder().setUsername("bob")),
                        5_000, 0).get(10, TimeUnit.SECONDS);
            }
            assertThat(peer.requestIds).hasSize(2);
            assertThat(predictions(peer.requestIds.get(0))).contains(peer.requestIds.get(1));
        }
    }

    /** @return the ids that follow {@code observed} if it came from a SplittableRandom (its top bit was masked off) */
    private static List<Long> predictions(long observed) {
        return List.of(observed, observed | Long.MIN_VALUE).stream()
                .map(o -> SplittableRandomPredictor.replayAfter(o).nextLong() & Long.MAX_VALUE).toList();
    }
}
