package dev.parley.app;

import dev.parley.nat.stun.StunCodec;
import dev.parley.nat.stun.StunDecodeException;
import dev.parley.nat.stun.StunMessage;
import dev.parley.nat.stun.StunMessageType;
import dev.parley.nat.stun.StunSeal;
import dev.parley.nat.stun.TransactionId;
import dev.parley.nat.transport.BatchedUdp;
import dev.parley.nat.transport.UdpEndpoint;
import dev.parley.nat.turn.ChannelData;
import dev.parley.nat.turn.ChannelDataDecodeException;
import dev.parley.protocol.PacketKind;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollMode;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramPacket;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;

/**
 * The load generator of {@code parley bench relay}, the same for every relay it drives: 2 × calls
 * UDP sockets on loopback (party 2i calls party 2i+1) on one event loop (epoll on Linux), each
 * sending a {@value #PACKET_BYTES}-byte RTP packet every 20 ms to where the relay under test wants
 * it — as is, or behind a TURN ChannelData header (RFC 8656 §12.4) — and timing what arrives
 * (send → receive, HdrHistogram, µs). Every 1 ms a twentieth of the parties sends. Also carries
 * the relays' set-up requests (STUN transactions) from a party's own socket.
 */
final class RelayLoad implements AutoCloseable {
    static final int PACKET_BYTES = 172;
    /** Bound on a received datagram here (RTP, ChannelData, STUN answers). */
    private static final int MAX_DATAGRAM_BYTES = 1500;
    private static final int SLOTS = 20;

    /**
     * Where the parties send for one relay under test (or straight to each other).
     *
     * @param name for the report
     * @param dest per party, where it sends
     * @param channel per party, a TURN channel number to frame with ChannelData, or 0 to send bare RTP
     */
    record Route(String name, InetSocketAddress[] dest, int[] channel) {}

    /** The figures of one route over a run: its packets, their latency and how long it was on. */
    record Result(long sent, long received, Histogram latencyUs, long activeNanos) {
        double lossPct() {
            return sent == 0 ? 0 : 100.0 * Math.max(0, sent - received) / sent;
        }

        long perSecond() {
            return activeNanos == 0 ? 0 : Math.round(received / (activeNanos / 1e9));
        }
    }

    private final EventLoopGroup loop;
    private final List<Channel> parties;
    /** Per route of the running {@link #run}; written on the loop only. */
    private Histogram[] latencyUs = new Histogram[0];
    private long[] received = new long[0];
    private final AtomicLong bindAnswers = new AtomicLong();
    /** STUN transactions in flight (bounded by the callers: one per party at a time). */
    private final Map<TransactionId, CompletableFuture<StunMessage>> pending = new ConcurrentHashMap<>();

    RelayLoad(int calls) throws InterruptedException {
        this.loop = UdpEndpoint.newEventLoopGroup(1, new DefaultThreadFactory("bench-parties", true));
        // A party gets one datagram per 20 ms: one read per readiness, no second read to learn EAGAIN
        // (level-triggered epoll reports the socket again if more is waiting).
        Bootstrap pb = new Bootstrap().group(loop).channelFactory(() -> BatchedUdp.newChannel(loop))
                .option(ChannelOption.SO_RCVBUF, 256 << 10).handler(new Receiver())
                .option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(MAX_DATAGRAM_BYTES).maxMessagesPerRead(1));
        if (epoll()) {
            pb.option(EpollChannelOption.EPOLL_MODE, EpollMode.LEVEL_TRIGGERED);
        }
        parties = new ArrayList<>(2 * calls);
        for (int i = 0; i < 2 * calls; i++) {
            parties.add(pb.bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel());
        }
    }

    /** @return party {@code i}'s address (2i calls 2i+1) */
    InetSocketAddress address(int i) {
        return (InetSocketAddress) parties.get(i).localAddress();
    }

    int size() {
        return parties.size();
    }

    /** @return true if the loop runs epoll */
    boolean epoll() {
        return BatchedUdp.isEpoll(loop);
    }

    /** Sends a datagram from party {@code i}. */
    void send(int i, byte[] payload, InetSocketAddress to) {
        parties.get(i).writeAndFlush(new DatagramPacket(Unpooled.wrappedBuffer(payload), to));
    }

    /** @return STUN Binding success answers received so far (relay binds that latched) */
    long bindAnswers() {
        return bindAnswers.get();
    }

    void resetBindAnswers() {
        bindAnswers.set(0);
    }

    /**
     * Sends a STUN request from party {@code i} and completes with the answer to its transaction.
     * Retransmits after 500 ms, at most 3 sends; then completes exceptionally.
     */
    CompletableFuture<StunMessage> transact(int i, StunMessage request, InetSocketAddress to) {
        CompletableFuture<StunMessage> answer = new CompletableFuture<>();
        pending.put(request.transactionId(), answer);
        byte[] wire = StunCodec.encode(request, StunSeal.none());
        for (int attempt = 0; attempt < 3; attempt++) {
            loop.schedule(() -> {
                if (!answer.isDone()) {
                    send(i, wire, to);
                }
            }, attempt * 500L, TimeUnit.MILLISECONDS);
        }
        loop.schedule(() -> {
            if (pending.remove(request.transactionId()) != null) {
                answer.completeExceptionally(new IllegalStateException("stun transaction to " + to + ": no answer in 1.5 s"));
            }
        }, 1500, TimeUnit.MILLISECONDS);
        return answer;
    }

    /**
     * Runs the routes interleaved, {@code sliceMs} each in turn, for {@code secondsEach} seconds
     * each in all, so a busy machine weighs on every route alike; then waits 500 ms for stragglers.
     * Each party sends every 20 ms (a twentieth of them every 1 ms); a packet carries its route's
     * index (first byte of the SSRC), so stragglers across a switch are counted to their own route.
     *
     * @return per route, in order
     */
    List<Result> run(List<Route> routes, int secondsEach, int sliceMs) throws Exception {
        int n = routes.size();
        if (n < 1 || n > 16) {
            throw new IllegalArgumentException(String.format("routes: %d (expected: 1..16)", n));
        }
        long[] sent = new long[n];
        long[] activeNanos = new long[n];
        loop.submit(() -> {
            latencyUs = new Histogram[n];
            for (int r = 0; r < n; r++) {
                latencyUs[r] = new Histogram(10_000_000L, 3);
            }
            received = new long[n];
        }).get(5, TimeUnit.SECONDS);
        Pacer pacer = new Pacer(routes, sliceMs, sent, activeNanos);
        var ticker = loop.scheduleAtFixedRate(pacer, 0, 1, TimeUnit.MILLISECONDS);
        TimeUnit.SECONDS.sleep((long) secondsEach * n); // the measurement window, not synchronisation
        ticker.cancel(false);
        loop.submit(pacer::stop).get(5, TimeUnit.SECONDS);
        TimeUnit.MILLISECONDS.sleep(500); // stragglers
        return loop.submit(() -> {
            List<Result> out = new ArrayList<>(n);
            for (int r = 0; r < n; r++) {
                out.add(new Result(sent[r], received[r], latencyUs[r].copy(), activeNanos[r]));
            }
            return out;
        }).get(5, TimeUnit.SECONDS);
    }

    /** Sends for the active route, a twentieth of the parties per tick; switches routes every slice. On the loop. */
    private final class Pacer implements Runnable {
        private final List<Route> routes;
        private final long sliceNanos;
        private final long[] sent;
        private final long[] activeNanos;
        private final long[] seq = new long[parties.size()];
        private int slot;
        private int active;
        private long activeSince = System.nanoTime();

        Pacer(List<Route> routes, int sliceMs, long[] sent, long[] activeNanos) {
            this.routes = routes;
            this.sliceNanos = TimeUnit.MILLISECONDS.toNanos(sliceMs);
            this.sent = sent;
            this.activeNanos = activeNanos;
        }

        @Override
        public void run() {
            long now = System.nanoTime();
            if (now - activeSince >= sliceNanos) {
                activeNanos[active] += now - activeSince;
                activeSince = now;
                active = (active + 1) % routes.size();
            }
            Route route = routes.get(active);
            for (int i = slot; i < parties.size(); i += SLOTS) {
                Channel ch = parties.get(i);
                ByteBuf b = ch.alloc().directBuffer(ChannelData.HEADER_BYTES + PACKET_BYTES);
                if (route.channel()[i] != 0) {
                    new ChannelData(route.channel()[i], PACKET_BYTES).writeHeader(b);
                }
                // RTP header: V=2, PT 111, sequence, timestamp 0, SSRC = route index and party; then the send time.
                b.writeByte(0x80).writeByte(111).writeShort((int) seq[i]++).writeInt(0).writeByte(active).writeMedium(i);
                b.writeLong(System.nanoTime());
                b.writeZero(PACKET_BYTES - 20);
                ch.writeAndFlush(new DatagramPacket(b, route.dest()[i]), ch.voidPromise());
            }
            sent[active] += (parties.size() - slot + SLOTS - 1) / SLOTS;
            slot = (slot + 1) % SLOTS;
        }

        void stop() {
            activeNanos[active] += System.nanoTime() - activeSince;
        }
    }

    @Override
    public void close() {
        for (Channel c : parties) {
            c.close();
        }
        loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** One handler for every party, on the one loop (the histogram is confined to it). */
    @ChannelHandler.Sharable
    private final class Receiver extends SimpleChannelInboundHandler<DatagramPacket> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket msg) {
            ByteBuf c = msg.content();
            int at = c.readerIndex();
            int length = c.readableBytes();
            PacketKind kind = PacketKind.of(c);
            if (kind == PacketKind.TURN_CHANNEL) {
                try {
                    length = ChannelData.decode(c, MAX_DATAGRAM_BYTES).length();
                    at += ChannelData.HEADER_BYTES;
                    kind = length == 0 ? PacketKind.UNKNOWN : PacketKind.of(c.getUnsignedByte(at));
                } catch (ChannelDataDecodeException e) {
                    return;
                }
            }
            if (kind == PacketKind.RTP_OR_RTCP && length == PACKET_BYTES) {
                int route = c.getUnsignedByte(at + 8);
                if (route < received.length) {
                    received[route]++;
                    long sentAt = c.getLong(at + 12);
                    latencyUs[route].recordValue(Math.min(10_000_000L, Math.max(0, (System.nanoTime() - sentAt) / 1000)));
                }
            } else if (kind == PacketKind.STUN) {
                answer(ByteBufUtil.getBytes(c));
            }
        }

        private void answer(byte[] datagram) {
            StunMessage m;
            try {
                m = StunCodec.decode(datagram, MAX_DATAGRAM_BYTES);
            } catch (StunDecodeException e) {
                return;
            }
            CompletableFuture<StunMessage> waiting = pending.remove(m.transactionId());
            if (waiting != null) {
                waiting.complete(m);
            } else if (m.type().equals(StunMessageType.BINDING_SUCCESS)) {
                bindAnswers.incrementAndGet();
            }
        }
    }
}
