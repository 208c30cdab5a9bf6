package dev.parley.nat.relay;

import dev.parley.nat.stun.StunCodec;
import dev.parley.protocol.PacketKind;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.DatagramPacket;
import java.net.InetSocketAddress;

/**
 * {@link UdpRelay} as a Netty handler for the relay's {@code DatagramChannel}: forwarded datagrams
 * reuse the received buffer (no copy, no decoding) and are flushed once per read batch. Relay
 * binds are answered; everything refused is released and counted. Not sharable: one per channel,
 * confined to its event loop together with the table.
 */
public final class UdpRelayHandler extends ChannelInboundHandlerAdapter {
    private final RelayAllocationTable table;
    private long forwarded;
    private long refused;

    /** @param table allocations, owned by this channel's event loop */
    public UdpRelayHandler(RelayAllocationTable table) {
        this.table = table;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof DatagramPacket packet)) {
            ctx.fireChannelRead(msg);
            return;
        }
        var content = packet.content();
        InetSocketAddress from = packet.sender();
        if (content.readableBytes() >= StunCodec.HEADER_BYTES && PacketKind.of(content) == PacketKind.STUN) {
            byte[] response = UdpRelay.bindResponse(table, ByteBufUtil.getBytes(content), from);
            if (response != null) {
                packet.release();
                if (response.length > 0) {
                    ctx.write(new DatagramPacket(Unpooled.wrappedBuffer(response), from));
                }
                return;
            }
        }
        if (table.route(from, content.readableBytes()) instanceof RelayRoute.Forward f) {
            forwarded++;
            ctx.write(new DatagramPacket(content, f.to())); // ownership of the buffer moves to the outbound packet
            return;
        }
        refused++;
        packet.release();
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        ctx.flush();
        ctx.fireChannelReadComplete();
    }

    /** @return datagrams forwarded */
    public long forwarded() {
        return forwarded;
    }

    /** @return datagrams refused */
    public long refused() {
        return refused;
    }
}
