package dev.parley.nat.relay;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.EncoderException;
import io.netty.handler.codec.MessageToMessageEncoder;
import java.util.List;

/** Prefixes each outbound RTP/RTCP packet with its 16-bit length (RFC 4571 §2); see {@link Rfc4571FrameDecoder}. */
@ChannelHandler.Sharable
public final class Rfc4571FrameEncoder extends MessageToMessageEncoder<ByteBuf> {
    @Override
    protected void encode(ChannelHandlerContext ctx, ByteBuf packet, List<Object> out) {
        int length = packet.readableBytes();
        if (length < 1 || length > 65535) {
            throw new EncoderException(String.format("rtpFrame: %d bytes (expected: 1..65535)", length));
        }
        out.add(ctx.alloc().buffer(2).writeShort(length));
        out.add(packet.retain());
    }
}
