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
import dev.parley.protocol.PacketKind;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.nio.NioDatagramChannel;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;

/**
 * {@code parley bench relay}: N concurrent relayed calls through one super-node relay socket on
 * loopback — the super node's UDP pipeline ({@link MediaRelay} then {@link StunBindingHandler}) on
 * one event loop, as in the super node. Each call has two parties (own UDP sockets) that latch with
 * their tokens, then send 172-byte RTP packets every 20 ms each way (50 packets/s). Measures
 * relayed packets/s, loss, send→receive latency (HdrHistogram, µs; includes the load generator's
 * own queueing, so it bounds the relay's added latency from above) and the relay thread's CPU time
 * per relayed packet (ThreadMXBean). A second phase of the same length sends the same paced load
 * straight from party to party (no relay): the relayed percentiles minus these direct ones are the
 * latency the relay adds ({@code added_latency_p50_us}, {@code added_latency_p99_us}).
 */
final class RelayBench {
    static final int PACKET_BYTES = 172;
    static final int MAX_CALLS = 5_000;
    static final int MAX_SECONDS = 300;

    private RelayBench() {}

    /** All parties share one handler on one loop (the histogram and counters are confined to it). */
    @ChannelHandler.Sharable
    private abstract static class SharableHandler extends SimpleChannelInboundHandler<DatagramPacket> {
    }

    static Map<String, Object> run(int calls, int seconds) throws Exception {
        if (calls < 1 || calls > MAX_CALLS) {
            throw new IllegalArgumentException(String.format("calls: %d (expected: 1..%d)", calls, MAX_CALLS));
        }
        if (seconds < 1 || seconds > MAX_SECONDS) {
            throw new IllegalArgumentException(String.format("duration: %d s (expected: 1..%d)", seconds, MAX_SECONDS));
        }
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        long[] relayThreadId = new long[1];
        NioEventLoopGroup relayLoop = new NioEventLoopGroup(1, r -> {
            Thread t = new Thread(r, "bench-relay");
            t.setDaemon(true);
            relayThreadId[0] = t.threadId();
            return t;
        });
        NioEventLoopGroup clientLoop = new NioEventLoopGroup(1, r -> {
            Thread t = new Thread(r, "bench-parties");
            t.setDaemon(true);
            return t;
        });
        try {
            MediaRelay relay = new MediaRelay(new RelayAllocationTable(InstantSource.system(), new SecureRandom(),
                    new RelayAllocationTable.Limits(4, calls, 60_000)));
            Channel relayCh = new Bootstrap().group(relayLoop).channel(NioDatagramChannel.class)
                    .option(ChannelOption.SO_RCVBUF, 8 << 20).option(ChannelOption.SO_SNDBUF, 8 << 20)
                    .handler(new ChannelInitializer<NioDatagramChannel>() {
                        @Override
                        protected void initChannel(NioDatagramChannel ch) {
                            ch.pipeline().addLast(relay.handler(), new StunBindingHandler("parley-bench"),
                                    new SimpleChannelInboundHandler<DatagramPacket>() {
                                        @Override
                                        protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket msg) {
                                        }
                                    });
                        }
                    }).bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
            InetSocketAddress relayAddr = (InetSocketAddress) relayCh.localAddress();
            Histogram latencyUs = new Histogram(10_000_000L, 3);
            AtomicLong received = new AtomicLong();
            AtomicLong binds = new AtomicLong();
            long[] measureFromNanos = {Long.MAX_VALUE};
            SimpleChannelInboundHandler<DatagramPacket> partyHandler = new SharableHandler() {
                @Override
                protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket msg) {
                    ByteBuf c = msg.content();
                    if (c.readableBytes() == PACKET_BYTES && PacketKind.of(c) == PacketKind.RTP_OR_RTCP) {
                        long sent = c.getLong(c.readerIndex() + 12);
                        if (sent >= measureFromNanos[0]) {
                            received.incrementAndGet();
                            latencyUs.recordValue(Math.min(10_000_000L, Math.max(0, (System.nanoTime() - sent) / 1000)));
                        }
                    } else {
                        binds.incrementAndGet();
                    }
                }
            };
            List<Channel> parties = new ArrayList<>(2 * calls);
            List<byte[]> bindRequests = new ArrayList<>(2 * calls);
            SplittableRandom ids = new SplittableRandom(1);
            Bootstrap pb = new Bootstrap().group(clientLoop).channel(NioDatagramChannel.class)
                    .option(ChannelOption.SO_RCVBUF, 256 << 10).handler(partyHandler);
            for (int i = 0; i < calls; i++) {
                var f = relay.allocate("bench-" + i, "bench-call-" + i);
                RelayAllocation a = f.get(5, TimeUnit.SECONDS);
                for (int side = 0; side < 2; side++) {
                    parties.add(pb.bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel());
                    bindRequests.add(StunCodec.encode(StunMessage.bindingRequest(TransactionId.random(ids),
                            new StunAttribute.RelayToken(side == 0 ? a.callerToken() : a.calleeToken())),
                            UdpRelay.bindSeal(side == 0 ? a.callerKey() : a.calleeKey())));
                }
            }
            long bindDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (binds.get() < parties.size() && System.nanoTime() < bindDeadline) {
                binds.set(0);
                for (int i = 0; i < parties.size(); i++) {
                    parties.get(i).writeAndFlush(new DatagramPacket(Unpooled.wrappedBuffer(bindRequests.get(i)), relayAddr));
                }
                waitMs(300);
            }
            if (binds.get() < parties.size()) {
                throw new IllegalStateException(String.format("latched: %d parties (expected: %d)", binds.get(), parties.size()));
            }
            // Paced senders: every 1 ms a twentieth of the parties sends, so each sends every 20 ms.
            // Phase 1 sends through the relay; phase 2 (the baseline) sends the same load straight to
            // the partner, so relayed minus direct is what the relay adds (docs/benchmarks.md).
            InetSocketAddress[] dest = new InetSocketAddress[parties.size()];
            Arrays.fill(dest, relayAddr);
            AtomicLong sent = new AtomicLong();
            long[] seq = new long[parties.size()];
            int slots = 20;
            long startNanos = System.nanoTime();
            measureFromNanos[0] = startNanos;
            long cpuStart = mx.getThreadCpuTime(relayThreadId[0]);
            long forwardedStart = relay.forwarded();
            Runnable pacer = new Runnable() {
                int slot;

                @Override
                public void run() {
                    for (int i = slot; i < parties.size(); i += slots) {
                        ByteBuf b = Unpooled.buffer(PACKET_BYTES, PACKET_BYTES);
                        b.writeByte(0x80).writeByte(111).writeShort((int) seq[i]++).writeInt(0).writeInt(i);
                        b.writeLong(System.nanoTime());
                        b.writeZero(PACKET_BYTES - b.writerIndex());
                        parties.get(i).write(new DatagramPacket(b, dest[i]));
                        sent.incrementAndGet();
                    }
                    for (int i = slot; i < parties.size(); i += slots) {
                        parties.get(i).flush();
                    }
                    slot = (slot + 1) % slots;
                }
            };
            var ticker = clientLoop.scheduleAtFixedRate(pacer, 0, 1, TimeUnit.MILLISECONDS);
            waitMs(seconds * 1000L);
            ticker.cancel(false);
            long elapsedNanos = System.nanoTime() - startNanos;
            waitMs(500); // stragglers
            long cpuNanos = mx.getThreadCpuTime(relayThreadId[0]) - cpuStart;
            long forwarded = relay.forwarded() - forwardedStart;
            long s = sent.get();
            long r = received.get();
            Histogram snapshot = clientLoop.submit(latencyUs::copy).get(5, TimeUnit.SECONDS);
            clientLoop.submit(() -> {
                latencyUs.reset();
                for (int i = 0; i < parties.size(); i++) {
                    dest[i] = (InetSocketAddress) parties.get(i ^ 1).localAddress(); // the other party of the call
                }
            }).get(5, TimeUnit.SECONDS);
            var directTicker = clientLoop.scheduleAtFixedRate(pacer, 0, 1, TimeUnit.MILLISECONDS);
            waitMs(seconds * 1000L);
            directTicker.cancel(false);
            waitMs(500);
            Histogram direct = clientLoop.submit(latencyUs::copy).get(5, TimeUnit.SECONDS);
            for (Channel c : parties) {
                c.close();
            }
            relayCh.close().sync();
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("calls", calls);
            out.put("duration_s", seconds);
            out.put("packet_bytes", PACKET_BYTES);
            out.put("packets_sent", s);
            out.put("packets_relayed", forwarded);
            out.put("packets_received", r);
            out.put("relayed_per_s", Math.round(forwarded / (elapsedNanos / 1e9)));
            out.put("loss_pct", Reports.round(s == 0 ? 0 : 100.0 * Math.max(0, s - r) / s, 3));
            out.put("latency_p50_us", snapshot.getValueAtPercentile(50));
            out.put("latency_p99_us", snapshot.getValueAtPercentile(99));
            out.put("latency_max_us", snapshot.getMaxValue());
            out.put("direct_latency_p50_us", direct.getValueAtPercentile(50));
            out.put("direct_latency_p99_us", direct.getValueAtPercentile(99));
            out.put("added_latency_p50_us", snapshot.getValueAtPercentile(50) - direct.getValueAtPercentile(50));
            out.put("added_latency_p99_us", snapshot.getValueAtPercentile(99) - direct.getValueAtPercentile(99));
            out.put("relay_cpu_us_per_packet", Reports.round(forwarded == 0 ? 0 : cpuNanos / 1000.0 / forwarded, 2));
            out.put("relay_cpu_pct", Reports.round(100.0 * cpuNanos / elapsedNanos, 1));
            return out;
        } finally {
            clientLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
            relayLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    static String table(Map<String, Object> r) {
        return String.format(Locale.ROOT, "%6s %6s %10s %12s %8s %9s %9s %12s %8s %11s %11s%n%6s %6s %10s %12s %8s %9s %9s %12s %8s %11s %11s%n",
                "calls", "secs", "sent", "relayed/s", "loss%", "p50 us", "p99 us", "cpu us/pkt", "cpu%", "added p50", "added p99",
                r.get("calls"), r.get("duration_s"), r.get("packets_sent"), r.get("relayed_per_s"), r.get("loss_pct"),
                r.get("latency_p50_us"), r.get("latency_p99_us"), r.get("relay_cpu_us_per_packet"), r.get("relay_cpu_pct"),
                r.get("added_latency_p50_us"), r.get("added_latency_p99_us"));
    }

    private static void waitMs(long ms) throws InterruptedException {
        TimeUnit.MILLISECONDS.sleep(ms); // the benchmark's measurement window, not synchronisation
    }
}
