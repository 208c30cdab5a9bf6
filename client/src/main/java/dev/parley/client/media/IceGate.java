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
 * selected), so nothing reaches the jitter buffer from a path the checks did not validate.
 * Everything else is dropped. Runs on the socket's event loop.
 */
final class IceGate extends ChannelInboundHandlerAdapter {
    private final List<DatagramHandler> stunHandlers = new CopyOnWriteArrayList<>();
    private final AtomicLong dropped = new AtomicLong();
    private volatile boolean mediaOpen;

    void addStunHandler(DatagramHandler handler) {
        stunHandlers.add(handler);
    }

    void removeStunHandler(DatagramHandler handler) {
        stunHandlers.remove(handler);
    }

    void openMedia() {
        mediaOpen = true;
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
                dropped.incrementAndGet();
                packet.release();
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
