package dev.parley.supernode;

import com.google.protobuf.ByteString;
import dev.parley.protocol.Ed25519KeyPair;
import dev.parley.protocol.Envelopes;
import dev.parley.protocol.HostPort;
import dev.parley.protocol.wire.Envelope;
import dev.parley.protocol.wire.MeshPing;
import dev.parley.protocol.wire.MeshPong;
import dev.parley.protocol.wire.PeerLookupResult;
import dev.parley.protocol.wire.PresenceDigest;
import dev.parley.protocol.wire.PresenceRecord;
import dev.parley.protocol.wire.SuperNodeCertificate;
import dev.parley.supernode.meshauth.MeshDatagramException;
import dev.parley.supernode.meshauth.MeshKeys;
import dev.parley.supernode.meshauth.MeshSeal;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.nio.NioDatagramChannel;
import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * A misbehaving but certified super node on UDP, for tests (its node key is
 * {@link FakeLoginServer#peerKey}(its address), certified by the fake login server, so its datagrams
 * are sealed like a real one's): its pongs carry a digest that claims every user and
 * an arbitrary gossip list (certificates); it answers lookups with scripted records, or dies (closes its socket)
 * on the first lookup.
 */
final class FakePeer implements AutoCloseable {
    final HostPort address;
    final AtomicInteger lookups = new AtomicInteger();
    /** Ids of the requests received, in order. */
    final List<Long> requestIds = new CopyOnWriteArrayList<>();
    final Map<String, PresenceRecord> answers = new ConcurrentHashMap<>();
    final List<SuperNodeCertificate> gossip = new CopyOnWriteArrayList<>();
    /** Where the next pong's gossip starts: each pong sends the next certificates of {@link #gossip}. */
    private final AtomicInteger gossipOffset = new AtomicInteger();
    volatile boolean dieOnLookup;
    /** This peer's certificate (the directory's copy is another one for the same key and address). */
    final SuperNodeCertificate certificate;
    private final Channel channel;
    private volatile @Nullable MeshSeal seal; // used on the channel's loop once set
    private final MeshKeys keys; // the seal's: on the channel's loop

    FakePeer(EventLoopGroup group, FakeLoginServer login) throws InterruptedException {
        channel = new Bootstrap().group(group).channel(NioDatagramChannel.class)
                .handler(new SimpleChannelInboundHandler<DatagramPacket>() {
                    @Override
                    protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) throws Exception {
                        MeshSeal s = seal;
                        if (s != null) {
                            try {
                                MeshSeal.Opened opened = s.open(ByteBufUtil.getBytes(packet.content()), packet.sender());
                                onDatagram(Envelope.parseFrom(opened.payload()), packet.sender());
                            } catch (MeshDatagramException e) {
                                unopened.incrementAndGet();
                            }
                        }
                    }
                }).bind("127.0.0.1", 0).sync().channel();
        address = new HostPort("127.0.0.1", ((InetSocketAddress) channel.localAddress()).getPort());
        Ed25519KeyPair key = FakeLoginServer.peerKey(address);
        certificate = login.certify(key, address, login.clock.instant());
        keys = TestMeshKeys.of(key, () -> certificate, login, address.port());
        seal = new MeshSeal(keys);
    }

    /** Datagrams that did not open here. */
    final AtomicInteger unopened = new AtomicInteger();
    /** Pings received, in order, with their senders. */
    final List<Map.Entry<InetSocketAddress, MeshPing>> pings = new CopyOnWriteArrayList<>();

    private void onDatagram(Envelope msg, InetSocketAddress sender) {
        Envelope.Builder answer = null;
        if (msg.getRequestId() != 0) {
            requestIds.add(msg.getRequestId());
        }
        if (msg.hasMeshPing()) {
            pings.add(Map.entry(sender, msg.getMeshPing()));
            byte[] ones = new byte[64];
            Arrays.fill(ones, (byte) 0xff); // a digest that "contains" every name
            int from = gossip.isEmpty() ? 0 : gossipOffset.getAndAdd(MeshLiveness.MAX_GOSSIP_CERTIFICATES) % gossip.size();
            List<SuperNodeCertificate> window = gossip.subList(from, Math.min(gossip.size(),
                    from + MeshLiveness.MAX_GOSSIP_CERTIFICATES));
            answer = Envelope.newBuilder().setMeshPong(MeshPong.newBuilder().addAllCertificates(window)
                    .setDigest(PresenceDigest.newBuilder().setHashCount(3).setBits(ByteString.copyFrom(ones)).setVersion(1)));
        } else if (msg.hasPeerLookup()) {
            lookups.incrementAndGet();
            if (dieOnLookup) {
                channel.close();
                return;
            }
            PresenceRecord r = answers.get(msg.getPeerLookup().getUsername());
            PeerLookupResult.Builder result = PeerLookupResult.newBuilder().setFound(r != null);
            if (r != null) {
                result.setRecord(r);
            }
            answer = Envelope.newBuilder().setPeerLookupResult(result);
        }
        if (answer != null) {
            byte[] bytes = answer.setVersion(Envelopes.VERSION).setRequestId(msg.getRequestId()).build().toByteArray();
            try {
                bytes = seal.seal(sender, bytes); // the sender's certificate came with its datagram
            } catch (MeshDatagramException e) {
                throw new IllegalStateException(e);
            }
            channel.writeAndFlush(new DatagramPacket(Unpooled.wrappedBuffer(bytes), sender));
        }
    }

    /**
     * Seals {@code envelope} for the super node holding {@code toCertificate} and sends it from this
     * peer's socket (as a certified stranger would: the datagram carries this peer's certificate).
     */
    void sendSealed(SuperNodeCertificate toCertificate, byte[] envelope) throws Exception {
        MeshSeal s = seal;
        HostPort to = HostPort.of(toCertificate.getAddress());
        InetSocketAddress socket = new InetSocketAddress(to.host(), to.port());
        byte[] datagram = channel.eventLoop().submit(() -> {
            keys.learn(toCertificate);
            return s.seal(socket, envelope);
        }).get(5, TimeUnit.SECONDS);
        channel.writeAndFlush(new DatagramPacket(Unpooled.wrappedBuffer(datagram), socket));
    }

    /** Sends raw bytes to {@code to} from this peer's socket. */
    void sendRaw(HostPort to, byte[] bytes) {
        channel.writeAndFlush(new DatagramPacket(Unpooled.wrappedBuffer(bytes), new InetSocketAddress(to.host(), to.port())));
    }

    @Override
    public void close() {
        channel.close().awaitUninterruptibly();
    }
}
