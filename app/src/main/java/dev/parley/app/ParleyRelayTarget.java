package dev.parley.app;

import dev.parley.nat.relay.MediaRelay;
import dev.parley.nat.relay.RelayAllocation;
import dev.parley.nat.relay.RelayAllocationTable;
import dev.parley.nat.relay.UdpRelay;
import dev.parley.nat.stun.StunAttribute;
import dev.parley.nat.stun.StunBindingHandler;
import dev.parley.nat.stun.StunCodec;
import dev.parley.nat.stun.StunMessage;
import dev.parley.nat.stun.TransactionId;
import dev.parley.nat.transport.BatchedUdp;
import dev.parley.nat.transport.NativeBatches;
import dev.parley.nat.transport.UdpEndpoint;
import dev.parley.supernode.meshauth.MeshSeal;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.DatagramPacket;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;

/**
 * Parley's relay under test: a super node's UDP pipeline ({@link MediaRelay} then
 * {@link StunBindingHandler}) on one event loop, its socket set up as the super node's
 * ({@link BatchedUdp}: epoll with recvmmsg/sendmmsg on Linux unless {@code nio}), each call's two
 * parties latched with their tokens. CPU is the relay thread's ({@link ThreadMXBean}).
 */
final class ParleyRelayTarget implements AutoCloseable {
    /** The super node's socket takes mesh datagrams too: the same bound as MeshTransport's. */
    static final int MAX_DATAGRAM_BYTES = MeshSeal.MAX_DATAGRAM_BYTES + 1;
    static final int RECV_BATCH = 32;

    private final EventLoopGroup loop;
    private final MediaRelay relay;
    private final Channel channel;
    private final long threadId;
    private final boolean epoll;

    /** @param kind "epoll" (the relay's native batches where it can), "netty-epoll" (Netty reads and writes) or "nio" */
    ParleyRelayTarget(int calls, String kind) throws Exception {
        boolean nio = kind.equals("nio");
        long[] id = new long[1];
        ThreadFactory tf = r -> {
            Thread t = new Thread(r, "bench-relay");
            t.setDaemon(true);
            id[0] = t.threadId();
            return t;
        };
        loop = nio ? new NioEventLoopGroup(1, tf) : UdpEndpoint.newEventLoopGroup(1, tf);
        epoll = BatchedUdp.isEpoll(loop);
        relay = new MediaRelay(new RelayAllocationTable(InstantSource.system(), new SecureRandom(),
                new RelayAllocationTable.Limits(4, calls, 60_000)), kind.equals("epoll"));
        Bootstrap b = new Bootstrap().group(loop).channelFactory(() -> BatchedUdp.newChannel(loop))
                .option(ChannelOption.SO_RCVBUF, 8 << 20).option(ChannelOption.SO_SNDBUF, 8 << 20)
                .handler(new ChannelInitializer<DatagramChannel>() {
                    @Override
                    protected void initChannel(DatagramChannel ch) {
                        ch.pipeline().addLast(relay.handler(), new StunBindingHandler("parley-bench"),
                                new SimpleChannelInboundHandler<DatagramPacket>() {
                                    @Override
                                    protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket msg) {
                                    }
                                });
                    }
                });
        BatchedUdp.receiveBatches(b, loop, MAX_DATAGRAM_BYTES, RECV_BATCH);
        channel = b.bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
        threadId = loop.submit(() -> Thread.currentThread().threadId()).get(5, TimeUnit.SECONDS);
    }

    /** Allocates a relay per call and latches both parties (bounded: 10 s). */
    void latch(RelayLoad load) throws Exception {
        InetSocketAddress relayAddr = address();
        List<byte[]> bindRequests = new ArrayList<>(load.size());
        SplittableRandom ids = new SplittableRandom(1);
        for (int call = 0; call < load.size() / 2; call++) {
            RelayAllocation a = relay.allocate("bench-" + call, "bench-call-" + call).get(5, TimeUnit.SECONDS);
            for (int side = 0; side < 2; side++) {
                bindRequests.add(StunCodec.encode(StunMessage.bindingRequest(TransactionId.random(ids),
                        new StunAttribute.RelayToken(side == 0 ? a.callerToken() : a.calleeToken())),
                        UdpRelay.bindSeal(side == 0 ? a.callerKey() : a.calleeKey())));
            }
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        do {
            load.resetBindAnswers(); // a party may be latched to another relay under test already
            for (int i = 0; i < load.size(); i++) {
                load.send(i, bindRequests.get(i), relayAddr);
            }
            TimeUnit.MILLISECONDS.sleep(300); // answers arrive meanwhile; checked with a deadline
        } while (load.bindAnswers() < load.size() && System.nanoTime() < deadline);
        if (load.bindAnswers() < load.size()) {
            throw new IllegalStateException(String.format("latched: %d parties (expected: %d)", load.bindAnswers(), load.size()));
        }
    }

    InetSocketAddress address() {
        return (InetSocketAddress) channel.localAddress();
    }

    /** @return the relay thread's CPU time so far, ns */
    long cpuNanos() {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        return mx.getThreadCpuTime(threadId);
    }

    /**
     * @return the kernel's count of datagrams dropped at the relay socket (its receive buffer full
     *     while the relay thread waited for a core), from /proc/net/udp and udp6; -1 if unreadable
     */
    long socketDrops() {
        String port = String.format(":%04X ", address().getPort());
        for (String table : List.of("/proc/net/udp", "/proc/net/udp6")) {
            try {
                for (String line : Files.readAllLines(Path.of(table))) {
                    String[] f = line.trim().split("\\s+");
                    if (f.length > 12 && (f[1] + " ").endsWith(port)) {
                        return Long.parseLong(f[f.length - 1]);
                    }
                }
            } catch (IOException | NumberFormatException e) {
                return -1;
            }
        }
        return -1;
    }

    /** @return for the native batch reader: send errors, datagrams left to Netty (send buffer full), receive errors */
    Map<String, Long> nativeCounters() {
        NativeBatches n = relay.nativeBatches();
        return n == null ? Map.of() : Map.of("send_errors", n.batch().sendErrors(), "sent_by_netty",
                n.batch().sentByNetty(), "receive_errors", n.receiveErrors());
    }

    /** @return datagrams the relay forwarded so far */
    long forwarded() {
        return relay.forwarded();
    }

    /** @return e.g. "epoll, native batches (recvmmsg x32, sendmmsg)", "epoll, Netty (recvmmsg x32, sendmmsg)" or "nio" */
    String transport() {
        if (!epoll) {
            return "nio";
        }
        return (relay.readsNativeBatches() ? "epoll, native batches" : "epoll, Netty") + " (recvmmsg x" + RECV_BATCH + ", sendmmsg)";
    }

    @Override
    public void close() {
        channel.close().syncUninterruptibly();
        loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
