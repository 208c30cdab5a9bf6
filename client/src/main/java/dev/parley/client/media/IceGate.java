package dev.parley.client.media;

import dev.parley.nat.transport.DatagramHandler;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.DatagramPacket;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * First handler of the media socket: demultiplexes by the first byte (RFC 7983). STUN (0..3) goes
 * to the registered {@link DatagramHandler}s (gathering, relay binds, connectivity checks, consent);
 * RTP/RTCP (128..191) goes on to the media path only once it is opened (after a candidate pair was
 * selected), so nothing reaches the jitter buffer from a path the checks did not validate. The peer
 * may select a moment earlier than we do (it nominates, we still wait for our own check on that
 * pair), so the newest {@value #MAX_EARLY_PACKETS} early media packets (200 ms) are held and
 * replayed, in order, when media opens: enough for that race, contiguous with what follows (no
 * false gap), and too little to add stale delay. The media path still filters them by source
 * address and SSRC.
 * Everything else is dropped. Runs on the socket's event loop.
 */
final class IceGate extends ChannelInboundHandlerAdapter {
    private final List<DatagramHandler> stunHandlers = new CopyOnWriteArrayList<>();
    /** Early media packets held until media opens: the newest 10 = 200 ms of RTP. */
    static final int MAX_EARLY_PACKETS = 10;

    private final AtomicLong dropped = new AtomicLong();
    private final java.util.ArrayDeque<DatagramPacket> early = new java.util.ArrayDeque<>(); // event loop only
    private volatile boolean mediaOpen;
    private volatile ChannelHandlerContext ctx;

    void addStunHandler(DatagramHandler handler) {
        stunHandlers.add(handler);
    }

    void removeStunHandler(DatagramHandler handler) {
        stunHandlers.remove(handler);
    }

    void openMedia() {
        ChannelHandlerContext c = ctx;
        if (c == null) {
            mediaOpen = true;
            return;
        }
        c.executor().execute(() -> {
            mediaOpen = true;
            DatagramPacket p;
            while ((p = early.poll()) != null) {
                c.fireChannelRead(p);
            }
        });
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        releaseEarly();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        releaseEarly();
        ctx.fireChannelInactive();
    }

    private void releaseEarly() {
        DatagramPacket p;
        while ((p = early.poll()) != null) {
            p.release();
        }
    }

    long dropped() {
        return dropped.get();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof DatagramPacket packet)) {
            ctx.fireChannelRead(msg);
            return;
        }
        ByteBuf content = packet.content();
        int first = content.readableBytes() == 0 ? -1 : content.getUnsignedByte(content.readerIndex());
        if (first >= 128 && first <= 191) {
            if (mediaOpen) {
                ctx.fireChannelRead(packet);
            } else {
                if (early.size() == MAX_EARLY_PACKETS) {
                    early.poll().release(); // keep the newest: they join up with live media
                    dropped.incrementAndGet();
                }
                early.add(packet); // replayed by openMedia(); released on close
            }
            return;
        }
        try {
            if (first >= 0 && first <= 3) {
                byte[] bytes = ByteBufUtil.getBytes(content);
                InetSocketAddress from = packet.sender();
                for (DatagramHandler h : stunHandlers) {
                    if (h.onDatagram(from, bytes)) {
                        return;
                    }
                }
            }
            dropped.incrementAndGet();
        } finally {
            packet.release();
        }
    }
}
