package dev.parley.nat.relay;

import dev.parley.nat.stun.StunAttribute;
import dev.parley.nat.stun.StunCodec;
import dev.parley.nat.stun.StunDecodeException;
import dev.parley.nat.stun.StunMessage;
import dev.parley.nat.stun.StunMessageType;
import dev.parley.nat.transport.BatchedUdp;
import dev.parley.nat.transport.NativeBatches;
import dev.parley.nat.transport.ReceivedBatch;
import dev.parley.protocol.PacketKind;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.DatagramPacket;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * A super node's media relay on its one UDP socket (docs/nat.md "Relays"), with TCP parties for
 * clients whose UDP is blocked. {@link #handler()} goes first in the UDP pipeline and takes only:
 * relay binds (STUN Binding with PARLEY-RELAY-TOKEN), and STUN (first byte 0..3, except plain
 * Binding requests without USERNAME, which the STUN server answers) or RTP/RTCP (128..191) from a
 * latched source; everything else (plain STUN, the mesh's protobuf datagrams, strangers) is passed
 * down the pipeline. Forwarding is undecoded and zero-copy for UDP→UDP. On an epoll socket from
 * {@link BatchedUdp#receiveBatches} (64-bit Linux) the relay reads the socket itself
 * ({@link NativeBatches}: recvmmsg into native slots, forwards by sendmmsg from them, no Java object
 * per forwarded datagram) and hands the rest to the pipeline as Netty would.
 *
 * <p>Everything runs on the UDP channel's event loop, which owns the {@link RelayAllocationTable};
 * control-plane calls ({@link #allocate}, {@link #release}, {@link #bindTcp}, {@link #fromTcp}) hop
 * onto it. A TCP party is keyed by its connection's remote address; packets for it go to the
 * {@code Consumer} given in {@link #bindTcp} (which frames them on the TCP connection).
 */
public final class MediaRelay {
    private final RelayAllocationTable table;
    private final Map<InetSocketAddress, Consumer<ByteBuf>> tcpParties = new HashMap<>();
    private final Handler handler = new Handler();
    private final boolean nativeBatches;
    private volatile @Nullable NativeBatches reader;
    /** The socket's own address, for the datagrams passed down the pipeline from native batches. */
    private @Nullable InetSocketAddress localAddress;
    private volatile Channel channel;
    /** The relay handler's context (loop only): writes start here, not at the pipeline's tail. */
    private @Nullable ChannelHandlerContext context;
    private long forwarded;
    private long forwardedBytes;
    private long refused;
    private long overRate;

    /**
     * A relay that reads its socket itself in native batches where it can ({@link NativeBatches}:
     * an epoll socket set up by {@link BatchedUdp#receiveBatches} on 64-bit Linux).
     *
     * @param table allocations (quotas, idle timeout), to be owned by the UDP channel's loop
     */
    public MediaRelay(RelayAllocationTable table) {
        this(table, true);
    }

    /**
     * @param table allocations (quotas, idle timeout), to be owned by the UDP channel's loop
     * @param nativeBatches false: leave reading and writing to Netty even where {@link NativeBatches}
     *     could take over (to compare the two, {@code parley bench relay})
     */
    public MediaRelay(RelayAllocationTable table, boolean nativeBatches) {
        this.table = table;
        this.nativeBatches = nativeBatches;
    }

    /** @return true if the socket is read by {@link NativeBatches} (set once the channel is active) */
    public boolean readsNativeBatches() {
        return reader != null;
    }

    /** @return the native batch reader (for its error counters), or null while Netty reads the socket */
    public @Nullable NativeBatches nativeBatches() {
        return reader;
    }

    /** @return the quotas, rates and share this relay enforces (immutable: any thread) */
    public RelayAllocationTable.Limits limits() {
        return table.limits();
    }

    /** @return the handler to put first in the UDP channel's pipeline (one channel per relay) */
    public ChannelInboundHandlerAdapter handler() {
        return handler;
    }

    /** Runs a clean-up on the relay loop; once that loop has shut down (with its super node) there is nothing left to clean. */
    private void whileOpen(Runnable cleanUp) {
        try {
            loop().execute(cleanUp);
        } catch (RejectedExecutionException e) {
            // the loop is terminated: the allocations and parties went with it
        }
    }

    private EventLoop loop() {
        Channel ch = channel;
        if (ch == null) {
            throw new IllegalStateException("mediaRelay: handler not yet in an active pipeline");
        }
        return ch.eventLoop();
    }

    /**
     * Allocates a relay for a call.
     *
     * @param owner the requesting client's canonical username
     * @param callId the call it is for
     * @return completes with the allocation, or exceptionally with {@link RelayQuotaException}
     */
    public CompletableFuture<RelayAllocation> allocate(String owner, String callId) {
        CompletableFuture<RelayAllocation> out = new CompletableFuture<>();
        loop().execute(() -> {
            try {
                out.complete(table.allocate(owner, callId));
            } catch (RelayQuotaException e) {
                out.completeExceptionally(e);
            }
        });
        return out;
    }

    /** Releases one allocation of {@code owner} (BYE / RelayRelease); unknown or foreign ids are ignored. */
    public void release(long id, String owner) {
        whileOpen(() -> table.release(id, owner));
    }

    /** Releases every allocation of {@code owner} (its control connection closed). */
    public void releaseAll(String owner) {
        whileOpen(() -> table.releaseAll(owner));
    }

    /**
     * Latches a TCP connection as the party of {@code token}.
     *
     * @param key the party's bind key as the client sent it (on TLS)
     * @param party the connection's remote address (its key)
     * @param sink writes one relayed packet to the connection (called on the relay loop; takes ownership)
     * @return completes with true if the token is known and the key is its party's
     */
    public CompletableFuture<Boolean> bindTcp(byte[] token, byte[] key, InetSocketAddress party, Consumer<ByteBuf> sink) {
        CompletableFuture<Boolean> out = new CompletableFuture<>();
        loop().execute(() -> {
            OptionalLong id = table.bind(token, new RelayBindProof.Key(key), party);
            if (id.isPresent()) {
                tcpParties.put(party, sink);
            }
            out.complete(id.isPresent());
        });
        return out;
    }

    /** Forgets a TCP party (its connection closed). */
    public void unbindTcp(InetSocketAddress party) {
        whileOpen(() -> tcpParties.remove(party));
    }

    /** Forwards a packet received from a TCP party (takes ownership of {@code packet}). */
    public void fromTcp(InetSocketAddress party, ByteBuf packet) {
        loop().execute(() -> {
            if (!tcpParties.containsKey(party) || !forward(party, packet, true)) {
                refused++;
                packet.release();
            }
        });
    }

    /** Removes idle allocations; the super node calls it periodically. @return how many */
    public CompletableFuture<Integer> expireIdle() {
        CompletableFuture<Integer> out = new CompletableFuture<>();
        loop().execute(() -> out.complete(table.expireIdle()));
        return out;
    }

    /** @return completes with the number of allocations */
    public CompletableFuture<Integer> size() {
        CompletableFuture<Integer> out = new CompletableFuture<>();
        loop().execute(() -> out.complete(table.size()));
        return out;
    }

    /** @return datagrams forwarded so far (read on any thread: approximate) */
    public long forwarded() {
        return forwarded;
    }

    /** @return payload bytes of the datagrams forwarded so far (read on any thread: approximate) */
    public long forwardedBytes() {
        return forwardedBytes;
    }

    /** @return packets dropped over their allocation's byte rate or the relay's share (read on any thread: approximate) */
    public long overRate() {
        return overRate;
    }

    /** @return packets refused from latched-looking sources whose peer is not latched, or unknown TCP parties */
    public long refused() {
        return refused;
    }

    /**
     * Routes one datagram from {@code from} and counts it.
     *
     * @return {@link RelayRoute.Forward} (counted as forwarded), {@link RelayRoute#OVER_RATE} (to drop;
     *     counted) or {@link RelayRoute#UNKNOWN} (not the relay's)
     */
    private RelayRoute route(InetSocketAddress from, int bytes) {
        return counted(table.route(from, bytes), bytes);
    }

    private RelayRoute counted(RelayRoute route, int bytes) {
        if (route instanceof RelayRoute.OverRate) {
            overRate++;
        } else if (route instanceof RelayRoute.Forward) {
            forwarded++;
            forwardedBytes += bytes;
        }
        return route;
    }

    /** @return true if the datagram went somewhere (or was consumed), false if it is not the relay's */
    private boolean forward(InetSocketAddress from, ByteBuf content, boolean flush) {
        RelayRoute route = route(from, content.readableBytes());
        if (route instanceof RelayRoute.OverRate) {
            content.release();
            return true;
        }
        if (!(route instanceof RelayRoute.Forward(InetSocketAddress to, long toIpv4))) {
            return false;
        }
        Consumer<ByteBuf> tcp = tcpParties.isEmpty() ? null : tcpParties.get(to);
        if (tcp != null) {
            tcp.accept(content);
            return true;
        }
        // The void promise: no promise object per packet (a failed write is fired as exceptionCaught).
        ChannelHandlerContext ctx = context;
        if (flush) {
            ctx.writeAndFlush(new DatagramPacket(content, to), ctx.voidPromise());
        } else {
            ctx.write(new DatagramPacket(content, to), ctx.voidPromise()); // flushed with the read batch (sendmmsg)
        }
        return true;
    }

    /**
     * The same decisions as {@link Handler#channelRead} for a batch read by {@link NativeBatches}:
     * UDP→UDP forwards leave from the batch's native memory (one sendmmsg), everything else is
     * copied: to a TCP party, or down the pipeline as a {@link DatagramPacket}.
     */
    private void onBatch(ReceivedBatch batch) {
        ChannelHandlerContext ctx = context;
        boolean toPipeline = false;
        long nowMs = table.nowMs(); // one clock read per batch for the byte rates and idle times
        for (int i = 0; i < batch.size(); i++) {
            int length = batch.length(i);
            PacketKind kind = PacketKind.of(batch.unsignedByte(i, 0));
            if (kind == PacketKind.RTP_OR_RTCP) {
                // Media from an IPv4 source (the common case) is routed by a number, no address object.
                long ipv4 = batch.ipv4Sender(i);
                RelayRoute route = ipv4 < 0 ? RelayRoute.UNKNOWN : counted(table.routeIpv4(ipv4, length, nowMs), length);
                if (route != RelayRoute.UNKNOWN) {
                    deliver(batch, i, route);
                    continue;
                }
            }
            InetSocketAddress from = batch.sender(i);
            if (from == null) {
                continue;
            }
            boolean stun = kind == PacketKind.STUN;
            if (stun && length >= StunCodec.HEADER_BYTES) {
                byte[] response = UdpRelay.bindResponse(table, batch.bytes(i), from);
                if (response != null) {
                    if (response.length > 0) {
                        ctx.write(new DatagramPacket(Unpooled.wrappedBuffer(response), from));
                        toPipeline = true;
                    }
                    continue;
                }
            }
            if ((kind == PacketKind.RTP_OR_RTCP && RelayAllocationTable.ipv4Key(from) < 0)
                    || (stun && !isPlainBindingRequest(batch.bytes(i)))) {
                RelayRoute route = route(from, length);
                if (route != RelayRoute.UNKNOWN) {
                    deliver(batch, i, route);
                    continue;
                }
            }
            ctx.fireChannelRead(new DatagramPacket(batch.copy(i, ctx.alloc()), localAddress, from));
            toPipeline = true;
        }
        if (toPipeline) {
            ctx.flush();
            ctx.fireChannelReadComplete();
        }
    }

    /** Forwards datagram {@code i} of a batch on a known route (over the rate: dropped). */
    private void deliver(ReceivedBatch batch, int i, RelayRoute route) {
        if (route instanceof RelayRoute.Forward(InetSocketAddress to, long toIpv4)) {
            Consumer<ByteBuf> tcp = tcpParties.isEmpty() ? null : tcpParties.get(to);
            if (tcp != null) {
                tcp.accept(batch.copy(i, context.alloc()));
            } else {
                batch.forward(i, to, toIpv4);
            }
        }
    }

    private static boolean isPlainBindingRequest(ByteBuf content) {
        return isPlainBindingRequest(ByteBufUtil.getBytes(content));
    }

    private static boolean isPlainBindingRequest(byte[] datagram) {
        try {
            StunMessage m = StunCodec.decode(datagram);
            return m.type().equals(StunMessageType.BINDING_REQUEST) && !m.has(StunAttribute.Username.class);
        } catch (StunDecodeException e) {
            return false;
        }
    }

    private final class Handler extends ChannelInboundHandlerAdapter {
        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            context = ctx;
            channel = ctx.channel();
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            // Before the pipeline's head asks Netty to read: NativeBatches switches that off.
            if (nativeBatches && ctx.channel().localAddress() instanceof InetSocketAddress local) {
                localAddress = local;
                reader = NativeBatches.install(ctx.channel(), MediaRelay.this::onBatch);
            }
            ctx.fireChannelActive();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (!(msg instanceof DatagramPacket packet)) {
                ctx.fireChannelRead(msg);
                return;
            }
            ByteBuf content = packet.content();
            InetSocketAddress from = packet.sender();
            PacketKind kind = PacketKind.of(content);
            boolean stun = kind == PacketKind.STUN;
            if (stun && content.readableBytes() >= StunCodec.HEADER_BYTES) {
                byte[] response = UdpRelay.bindResponse(table, ByteBufUtil.getBytes(content), from);
                if (response != null) {
                    packet.release();
                    if (response.length > 0) {
                        ctx.writeAndFlush(new DatagramPacket(Unpooled.wrappedBuffer(response), from));
                    }
                    return;
                }
            }
            boolean media = kind == PacketKind.RTP_OR_RTCP;
            if ((media || (stun && !isPlainBindingRequest(content))) && forward(from, content, false)) {
                return; // the buffer now belongs to the outbound packet
            }
            ctx.fireChannelRead(msg);
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
            ctx.fireChannelReadComplete();
        }
    }

    /** Schedules {@link #expireIdle} every {@code periodMs} on the relay loop. */
    public void expireIdleEvery(long periodMs) {
        loop().scheduleAtFixedRate(table::expireIdle, periodMs, periodMs, TimeUnit.MILLISECONDS);
    }
}
