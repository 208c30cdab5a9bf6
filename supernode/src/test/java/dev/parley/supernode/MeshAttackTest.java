package dev.parley.supernode;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.parley.protocol.Envelopes;
import dev.parley.protocol.HostPort;
import dev.parley.protocol.wire.DigestUpdate;
import dev.parley.protocol.wire.Envelope;
import dev.parley.protocol.wire.MeshPing;
import dev.parley.protocol.wire.PeerLookup;
import dev.parley.protocol.wire.PresenceDigest;
import dev.parley.protocol.wire.SearchResult;
import dev.parley.protocol.wire.SuperNodeCertificate;
import dev.parley.supernode.meshauth.MeshDatagramException.Reason;
import dev.parley.supernode.meshauth.MeshKeys;
import dev.parley.supernode.meshauth.MeshSeal;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.DatagramPacket;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The attacks on the UDP mesh, against real super nodes on real sockets. The OS does not let
 * a test send from another socket's address, so datagrams "spoofed" from a real peer are handed to
 * the victim's socket pipeline with that peer's address as their source (where a received datagram
 * enters: the relay and STUN handlers first, then the mesh).
 */
class MeshAttackTest {
    @TempDir
    Path dir;
    @AutoClose
    Cluster cluster;

    private static byte[] plain(Envelope.Builder e, long requestId) {
        return e.setVersion(Envelopes.VERSION).setRequestId(requestId).build().toByteArray();
    }

    /** Hands {@code bytes} to {@code victim}'s mesh socket as if they came from {@code from}. */
    private static void spoof(SuperNode victim, InetSocketAddress from, byte[] bytes) throws Exception {
        Channel ch = victim.mesh().transport().channel();
        ch.eventLoop().submit(() -> ch.pipeline().fireChannelRead(new DatagramPacket(Unpooled.wrappedBuffer(bytes),
                (InetSocketAddress) ch.localAddress(), from))).get(5, TimeUnit.SECONDS);
    }

    private static long refused(SuperNode n, Reason r) {
        return n.mesh().transport().refused(r);
    }

    @Test
    void aSpoofedAllZeroDigestAndReplayedDatagramsFromARealPeerChangeNothing() throws Exception {
        cluster = new Cluster(2, dir, List.of());
        cluster.awaitDirectory(List.of());
        SuperNode victim = cluster.node(0);
        SuperNode peer = cluster.node(1);
        InetSocketAddress peerSocket = PeerTable.socketOf(peer.advertisedAddress());
        List<byte[]> tapped = new CopyOnWriteArrayList<>(); // what the victim received from the peer
        Channel victimSocket = victim.mesh().transport().channel();
        // Before the mesh, after the relay: on epoll the relay reads the socket itself and hands the rest on from its place.
        victimSocket.eventLoop().submit(() -> victimSocket.pipeline().addBefore("mesh", "tap", new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                DatagramPacket p = (DatagramPacket) msg;
                if (p.sender().equals(peerSocket)) {
                    tapped.add(ByteBufUtil.getBytes(p.content()));
                }
                ctx.fireChannelRead(msg);
            }
        })).get(5, TimeUnit.SECONDS);

        TestClient alice = cluster.signIn(0, "alice");
        cluster.signIn(1, "carol");
        TestClient bob = cluster.signIn(1, "bob");
        cluster.meshRound(); // the victim holds the peer's current digest, carol in it
        assertThat(bob.search("alice").getFound()).isTrue(); // the peer's lookup reaches the victim: tapped too
        long served = victim.stats().lookupsServed();
        victimSocket.eventLoop().submit(() -> victimSocket.pipeline().remove("tap")).get(5, TimeUnit.SECONDS);
        List<byte[]> captured = List.copyOf(tapped);

        // The attack: an all-zero digest under a new version base, spoofed from the peer.
        PresenceDigest empty = PresenceDigest.newBuilder().setHashCount(11).setBits(ByteString.copyFrom(new byte[64]))
                .setVersion(0x7777_0000_0000_0001L).build();
        long malformed = refused(victim, Reason.MALFORMED);
        spoof(victim, peerSocket, plain(Envelope.newBuilder().setDigestUpdate(DigestUpdate.newBuilder().setDigest(empty)), 0));
        spoof(victim, peerSocket, plain(Envelope.newBuilder().setPeerLookup(PeerLookup.newBuilder().setUsername("alice")), 9));
        assertThat(refused(victim, Reason.MALFORMED)).isEqualTo(malformed + 2);

        // Replays of everything the peer really sent, byte for byte, from its real address.
        assertThat(captured).isNotEmpty();
        long replayed = refused(victim, Reason.REPLAYED);
        for (byte[] d : captured) {
            spoof(victim, peerSocket, d);
        }
        assertThat(refused(victim, Reason.REPLAYED)).isEqualTo(replayed + captured.size());
        assertThat(victim.stats().lookupsServed()).as("no replayed lookup answered").isEqualTo(served);

        SearchResult carol = alice.search("carol");
        assertThat(carol.getFound()).as("the peer's users stay findable").isTrue();
        assertThat(HostPort.of(carol.getRecord().getSuperNode())).isEqualTo(peer.advertisedAddress());
    }

    @Test
    void strangersGetNothingBackAndCannotMakeTheSuperNodePingAThirdParty() throws Exception {
        cluster = new Cluster(2, dir, List.of());
        cluster.awaitDirectory(List.of());
        SuperNode victim = cluster.node(0);
        SuperNodeCertificate victimCertificate = cluster.signIn(0, "alice").certificate; // from its ServerHello
        InetSocketAddress target = PeerTable.socketOf(victim.advertisedAddress());
        try (DatagramChannel stranger = DatagramChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
                DatagramChannel third = DatagramChannel.open().bind(new InetSocketAddress("127.0.0.1", 0))) {
            third.configureBlocking(false);
            HostPort thirdAddress = new HostPort("127.0.0.1", ((InetSocketAddress) third.getLocalAddress()).getPort());
            HostPort strangerAddress = new HostPort("127.0.0.1", ((InetSocketAddress) stranger.getLocalAddress()).getPort());
            // A certified-looking stranger: a real certificate, but from another login server.
            FakeLoginServer otherLogin = new FakeLoginServer(TestKeys.key(99));
            otherLogin.clock = cluster.clock;
            SuperNodeCertificate foreign = otherLogin.certify(FakeLoginServer.peerKey(strangerAddress), strangerAddress,
                    cluster.clock.instant());
            SuperNodeCertificate thirdCertificate = otherLogin.certify(FakeLoginServer.peerKey(thirdAddress), thirdAddress,
                    cluster.clock.instant());
            // It trusts the real login server (to seal for the victim) but holds no certificate from it.
            MeshKeys foreignKeys = TestMeshKeys.of(FakeLoginServer.peerKey(strangerAddress), () -> foreign, cluster.login, 7);
            foreignKeys.learn(victimCertificate);
            MeshSeal foreignSeal = new MeshSeal(foreignKeys);
            otherLogin.close();

            List<byte[]> attacks = new ArrayList<>();
            Envelope.Builder ping = Envelope.newBuilder().setMeshPing(MeshPing.newBuilder().setFrom(thirdAddress.toAddress())
                    .addCertificates(thirdCertificate));
            attacks.add(plain(ping.clone(), 5)); // the 15-byte ping of the issue, now naming a third party
            attacks.add(plain(Envelope.newBuilder().setPeerLookup(PeerLookup.newBuilder().setUsername("alice")), 6));
            attacks.add(foreignSeal.seal(target, plain(ping.clone(), 7)));
            byte[] garbage = new byte[200];
            new SplittableRandom(3).nextBytes(garbage);
            garbage[0] = (byte) MeshSeal.TYPE;
            attacks.add(garbage);
            long dropped = victim.stats().datagramsDropped();
            for (byte[] a : attacks) {
                stranger.send(ByteBuffer.wrap(a), target);
            }
            // A STUN Binding request last: its answer is the first datagram back, so nothing answered the rest.
            byte[] stun = new byte[20];
            ByteBuffer.wrap(stun).putShort((short) 0x0001).putShort((short) 0).putInt(0x2112A442).putLong(42).putInt(43);
            stranger.send(ByteBuffer.wrap(stun), target);
            ByteBuffer answer = ByteBuffer.allocate(2048);
            stranger.receive(answer);
            answer.flip();
            assertThat(answer.getShort(0)).as("first answer: the STUN Binding success").isEqualTo((short) 0x0101);
            assertThat(answer.getLong(8)).isEqualTo(42);
            Await.until("the attacks dropped", () -> victim.stats().datagramsDropped() >= dropped + attacks.size());

            victim.meshRound().get(10, TimeUnit.SECONDS); // would ping the third party if it had been planted
            assertThat(victim.knownPeers()).doesNotContain(thirdAddress, strangerAddress);
            assertThat(third.receive(ByteBuffer.allocate(2048))).as("nothing sent to the third party").isNull();
        }
    }
    /**
     * A peer that restarted (same key and address, new boot) drops what is sealed for its old boot;
     * the first request that times out makes this node address it as unknown again, with its
     * certificate, so the mesh heals without the restarted peer speaking first.
     */
    @Test
    void aRestartedPeerIsReachedAgainAfterOneTimeout() throws Exception {
        // No digest pushes: the restarted peer sends nothing on its own, only answers.
        UnaryOperator<SuperNodeConfig> quiet = c -> c.withMesh(c.mesh().withDigests(Duration.ZERO, c.mesh().digestLease()));
        cluster = new Cluster(2, dir, List.of(), quiet);
        cluster.awaitDirectory(List.of());
        TestClient alice = cluster.signIn(0, "alice");
        cluster.signIn(1, "bob");
        assertThat(alice.search("bob").getFound()).isTrue();

        SuperNode old = cluster.node(1);
        HostPort address = old.advertisedAddress();
        old.close();
        SuperNode restarted = SuperNode.start(quiet.apply(new SuperNodeConfig(address, null, cluster.login.address(),
                dir.resolve("sn1"), cluster.clock, Cluster.HEARTBEAT, Cluster.PEER_TIMEOUT, Cluster.SEARCH, Cluster.MESH)),
                TestKeys.seededSecureRandom(777));
        cluster.nodes.set(1, restarted);
        restarted.ready().get(10, TimeUnit.SECONDS);
        assertThat(restarted.advertisedAddress()).isEqualTo(address);
        cluster.signIn(1, "carol");

        SuperNode sn0 = cluster.node(0);
        long notForUs = refused(restarted, Reason.NOT_FOR_US);
        sn0.meshRound().get(10, TimeUnit.SECONDS); // sealed for the old boot: dropped, and the ping times out
        assertThat(refused(restarted, Reason.NOT_FOR_US)).isGreaterThan(notForUs);
        SearchResult carol = alice.search("carol");
        assertThat(carol.getFound()).as("addressed as unknown, with the certificate: it opens").isTrue();
        assertThat(HostPort.of(carol.getRecord().getSuperNode())).isEqualTo(address);
    }
}
