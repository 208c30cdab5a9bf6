package dev.parley.nat.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.parley.nat.stun.StunAttribute;
import dev.parley.nat.stun.StunCodec;
import dev.parley.nat.stun.StunMessage;
import dev.parley.nat.stun.StunMessageType;
import dev.parley.nat.stun.StunSeal;
import dev.parley.nat.stun.TransactionId;
import dev.parley.nat.transport.BatchedUdp;
import dev.parley.nat.transport.Mmsg;
import dev.parley.nat.transport.UdpEndpoint;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.DatagramPacket;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.BindException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.time.InstantSource;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The relay reading its own epoll socket in native batches (recvmmsg/sendmmsg, {@code NativeBatches}),
 * on real sockets on 127.0.0.1: latched parties reach each other byte for byte in bursts, strangers
 * and plain STUN go down the pipeline as Netty would deliver them, a party over its byte rate is cut
 * off on this path too, and closing the channel frees the port (the duplicate descriptor is closed).
 */
class NativeBatchRelayTest {
    private static final int MAX_BYTES = 1501;
    private final SplittableRandom random = new SplittableRandom(11);
    private final BlockingQueue<DatagramPacket> passedOn = new LinkedBlockingQueue<>();
    private EventLoopGroup group;
    private MediaRelay relay;
    private Channel channel;
    private DatagramSocket alice;
    private DatagramSocket bob;

    @BeforeEach
    void start() throws Exception {
        assumeTrue(Epoll.isAvailable() && Mmsg.isAvailable(), "skipped: native epoll or JNA recvmmsg unavailable here");
        alice = party();
        bob = party();
    }

    private void startRelay(RelayAllocationTable.Limits limits) throws Exception {
        group = UdpEndpoint.newEventLoopGroup(1, new DefaultThreadFactory("native-relay-test", true));
        relay = new MediaRelay(new RelayAllocationTable(InstantSource.system(), random, limits));
        Bootstrap b = new Bootstrap().group(group).channelFactory(() -> BatchedUdp.newChannel(group))
                .handler(new ChannelInitializer<DatagramChannel>() {
                    @Override
                    protected void initChannel(DatagramChannel ch) {
                        ch.pipeline().addLast(relay.handler(), new SimpleChannelInboundHandler<DatagramPacket>(false) {
                            @Override
                            protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket msg) {
                                passedOn.add(msg);
                            }
                        });
                    }
                });
        channel = BatchedUdp.receiveBatches(b, group, MAX_BYTES, 8).bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
        channel.eventLoop().submit(() -> { }).sync(); // channelActive, queued by the bind, has run
        assertThat(relay.readsNativeBatches()).isTrue();
    }

    @AfterEach
    void stop() {
        if (channel != null) {
            channel.close().syncUninterruptibly();
        }
        if (group != null) {
            group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS).syncUninterruptibly();
        }
        passedOn.forEach(DatagramPacket::release);
        for (DatagramSocket s : new DatagramSocket[] {alice, bob}) {
            if (s != null) {
                s.close();
            }
        }
    }

    private static DatagramSocket party() throws Exception {
        DatagramSocket s = new DatagramSocket(0, InetAddress.getLoopbackAddress());
        s.setSoTimeout(5_000);
        s.setReceiveBufferSize(1 << 20);
        return s;
    }

    private void send(DatagramSocket from, byte[] payload) throws Exception {
        from.send(new java.net.DatagramPacket(payload, payload.length, channel.localAddress()));
    }

    private static byte[] receive(DatagramSocket at) throws Exception {
        java.net.DatagramPacket p = new java.net.DatagramPacket(new byte[2048], 2048);
        at.receive(p);
        return Arrays.copyOf(p.getData(), p.getLength());
    }

    private RelayAllocation latchBoth() throws Exception {
        RelayAllocation a = relay.allocate("alice", "c1").get(5, TimeUnit.SECONDS);
        for (int side = 0; side < 2; side++) {
            DatagramSocket s = side == 0 ? alice : bob;
            send(s, StunCodec.encode(StunMessage.bindingRequest(TransactionId.random(random),
                    new StunAttribute.RelayToken(side == 0 ? a.callerToken() : a.calleeToken())),
                    UdpRelay.bindSeal(side == 0 ? a.callerKey() : a.calleeKey())));
            assertThat(StunCodec.decode(receive(s)).type()).isEqualTo(StunMessageType.BINDING_SUCCESS);
        }
        return a;
    }

    private static byte[] rtp(int seq, int bytes) {
        byte[] p = new byte[bytes];
        p[0] = (byte) 0x80;
        p[1] = 111;
        p[2] = (byte) (seq >>> 8);
        p[3] = (byte) seq;
        for (int i = 12; i < bytes; i++) {
            p[i] = (byte) (seq * 31 + i);
        }
        return p;
    }

    @Test
    void burstsCrossByteForByteAndEverythingElseGoesDownThePipeline() throws Exception {
        startRelay(new RelayAllocationTable.Limits(2, 10, 60_000, 3_600_000, 1_000_000, 1_000_000));
        latchBoth();
        for (int i = 0; i < 200; i++) {
            send(i % 2 == 0 ? alice : bob, rtp(i, 60 + i));
        }
        for (int i = 0; i < 200; i += 2) {
            assertThat(receive(bob)).as("alice → bob %d", i).isEqualTo(rtp(i, 60 + i));
            assertThat(receive(alice)).as("bob → alice %d", i + 1).isEqualTo(rtp(i + 1, 61 + i));
        }
        assertThat(relay.forwarded()).isEqualTo(200);

        try (DatagramSocket stranger = party()) {
            byte[] strangers = rtp(7, 100);
            send(stranger, strangers);
            byte[] plain = StunCodec.encode(StunMessage.bindingRequest(TransactionId.random(random)), StunSeal.fingerprintOnly());
            send(alice, plain);
            DatagramPacket first = passedOn.poll(5, TimeUnit.SECONDS);
            DatagramPacket second = passedOn.poll(5, TimeUnit.SECONDS);
            assertThat(first).isNotNull();
            assertThat(second).isNotNull();
            assertThat(first.sender()).isEqualTo(stranger.getLocalSocketAddress());
            assertThat(first.recipient()).isEqualTo(channel.localAddress());
            assertThat(ByteBufUtil.getBytes(first.content())).isEqualTo(strangers);
            assertThat(second.sender()).isEqualTo(alice.getLocalSocketAddress());
            assertThat(ByteBufUtil.getBytes(second.content())).isEqualTo(plain);
            first.release();
            second.release();
        }
        bob.setSoTimeout(300);
        assertThat(noDatagram(bob)).as("the stranger's packet reached bob").isTrue();
        assertThat(relay.forwarded()).isEqualTo(200);
    }

    @Test
    void aFloodingPartyIsHeldToItsByteRateOnTheNativePath() throws Exception {
        // 2,000 bytes of burst, next to no sustained rate: of 100 packets of 200 bytes, about 10 pass.
        startRelay(new RelayAllocationTable.Limits(2, 10, 60_000, 3_600_000, 1, 2_000));
        latchBoth();
        for (int i = 0; i < 100; i++) {
            send(alice, rtp(i, 200));
        }
        int delivered = 0;
        bob.setSoTimeout(500);
        while (!noDatagram(bob)) {
            delivered++;
        }
        assertThat(delivered).isBetween(1, 11);
        assertThat(relay.overRate()).isGreaterThanOrEqualTo(89);
    }

    @Test
    void closingTheChannelFreesThePort() throws Exception {
        startRelay(RelayAllocationTable.Limits.DEFAULTS);
        InetSocketAddress bound = (InetSocketAddress) channel.localAddress();
        channel.close().sync();
        // The relay's duplicate descriptor would keep the socket bound after Netty closed its own.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (true) {
            try (DatagramSocket again = new DatagramSocket(bound)) {
                assertThat(again.getLocalPort()).isEqualTo(bound.getPort());
                return;
            } catch (BindException e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.onSpinWait();
            }
        }
    }

    private static boolean noDatagram(DatagramSocket s) throws Exception {
        try {
            receive(s);
            return false;
        } catch (SocketTimeoutException e) {
            return true;
        }
    }
}
