package dev.parley.supernode;

import com.google.protobuf.ByteString;
import dev.parley.protocol.Envelopes;
import dev.parley.protocol.HostPort;
import dev.parley.protocol.wire.Envelope;
import dev.parley.protocol.wire.MeshPong;
import dev.parley.protocol.wire.PeerLookupResult;
import dev.parley.protocol.wire.PresenceDigest;
import dev.parley.protocol.wire.PresenceRecord;
import dev.parley.protocol.wire.SuperNodeCertificate;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBufInputStream;
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
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A misbehaving super node on UDP, for tests: its pongs carry a digest that claims every user and
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
    private final Channel channel;

    FakePeer(EventLoopGroup group) throws InterruptedException {
        channel = new Bootstrap().group(group).channel(NioDatagramChannel.class)
                .handler(new SimpleChannelInboundHandler<DatagramPacket>() {
                    @Override
                    protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) throws Exception {
                        onDatagram(Envelope.parseFrom(new ByteBufInputStream(packet.content())), packet.sender());
                    }
                }).bind("127.0.0.1", 0).sync().channel();
        address = new HostPort("127.0.0.1", ((InetSocketAddress) channel.localAddress()).getPort());
    }

    private void onDatagram(Envelope msg, InetSocketAddress sender) {
        Envelope.Builder answer = null;
        if (msg.getRequestId() != 0) {
            requestIds.add(msg.getRequestId());
        }
        if (msg.hasMeshPing()) {
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
            channel.writeAndFlush(new DatagramPacket(Unpooled.wrappedBuffer(bytes), sender));
        }
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
