package dev.parley.nat.stun;

import dev.parley.protocol.PacketKind;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.DatagramPacket;
import java.util.Optional;

/**
 * A Netty handler for a {@code DatagramChannel} that answers STUN Binding requests
 * ({@link StunBindingResponder}) and passes every other datagram on unchanged
 * ({@code ctx.fireChannelRead}), so a super node's STUN server can share its UDP socket with the
 * media relay. Stateless and {@link ChannelHandler.Sharable}.
 */
@ChannelHandler.Sharable
public final class StunBindingHandler extends ChannelInboundHandlerAdapter {
    private final StunBindingResponder responder;

    /** @param software SOFTWARE attribute value of responses */
    public StunBindingHandler(String software) {
        this.responder = new StunBindingResponder(software);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof DatagramPacket packet && isStunRange(packet.content())) {
            Optional<byte[]> response = responder.respond(ByteBufUtil.getBytes(packet.content()), packet.sender());
            if (response.isPresent()) {
                packet.release();
                ctx.writeAndFlush(new DatagramPacket(Unpooled.wrappedBuffer(response.get()), packet.sender()));
                return;
            }
        }
        ctx.fireChannelRead(msg);
    }

    private static boolean isStunRange(ByteBuf content) {
        return content.readableBytes() >= StunCodec.HEADER_BYTES && PacketKind.of(content) == PacketKind.STUN;
    }
}
