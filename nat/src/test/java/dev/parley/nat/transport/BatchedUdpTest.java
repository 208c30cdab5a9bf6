package dev.parley.nat.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Real sockets on 127.0.0.1: a batched socket (recvmmsg on epoll, one read per datagram on NIO)
 * delivers a burst of datagrams whole and in order, and a datagram over the bound arrives cut to
 * exactly the bound, which is how the super node's mesh recognises and drops an oversized one.
 */
class BatchedUdpTest {
    private static final int MAX_BYTES = 100;
    private EventLoopGroup group;

    @AfterEach
    void shutdown() {
        if (group != null) {
            group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS).syncUninterruptibly();
        }
    }

    @Test
    void epollReadsBurstsWholeAndCutsOversizedDatagramsToTheBound() throws Exception {
        assumeTrue(Epoll.isAvailable(), "skipped: native epoll unavailable (" + Epoll.unavailabilityCause() + ")");
        group = UdpEndpoint.newEventLoopGroup(1, new DefaultThreadFactory("batched-test", true));
        assertThat(BatchedUdp.newChannel(group)).isInstanceOf(EpollDatagramChannel.class);
        burst(group);
    }

    @Test
    void nioDoesTheSameOneDatagramPerRead() throws Exception {
        group = new NioEventLoopGroup(1, new DefaultThreadFactory("batched-test-nio", true));
        assertThat(BatchedUdp.newChannel(group)).isInstanceOf(NioDatagramChannel.class);
        burst(group);
    }

    private static void burst(EventLoopGroup group) throws Exception {
        BlockingQueue<byte[]> received = new LinkedBlockingQueue<>();
        Bootstrap b = new Bootstrap().group(group).channelFactory(() -> BatchedUdp.newChannel(group))
                .handler(new SimpleChannelInboundHandler<DatagramPacket>() {
                    @Override
                    protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket msg) {
                        byte[] copy = new byte[msg.content().readableBytes()];
                        msg.content().getBytes(msg.content().readerIndex(), copy);
                        received.add(copy);
                    }
                });
        Channel ch = BatchedUdp.receiveBatches(b, group, MAX_BYTES, 8).bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
        try (DatagramSocket sender = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            for (int i = 0; i < 20; i++) {
                byte[] d = new byte[50];
                d[0] = (byte) i;
                sender.send(new java.net.DatagramPacket(d, d.length, ch.localAddress()));
            }
            byte[] oversized = new byte[MAX_BYTES + 50];
            oversized[0] = 99;
            sender.send(new java.net.DatagramPacket(oversized, oversized.length, ch.localAddress()));
            List<byte[]> got = new ArrayList<>();
            for (int i = 0; i < 21; i++) {
                byte[] d = received.poll(5, TimeUnit.SECONDS);
                assertThat(d).as("datagram %d", i).isNotNull();
                got.add(d);
            }
            for (int i = 0; i < 20; i++) {
                assertThat(got.get(i)).hasSize(50);
                assertThat(got.get(i)[0]).isEqualTo((byte) i);
            }
            assertThat(got.get(20)).hasSize(MAX_BYTES);
            assertThat(got.get(20)[0]).isEqualTo((byte) 99);
        } finally {
            ch.close().sync();
        }
    }
}
