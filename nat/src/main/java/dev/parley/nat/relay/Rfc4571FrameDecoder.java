package dev.parley.nat.relay;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.TooLongFrameException;
import java.util.List;

/**
 * Splits a TCP stream into RTP/RTCP packets framed per RFC 4571 §2: each packet is preceded by
 * its length as a 16-bit unsigned big-endian integer.
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |             LENGTH            |  RTP or RTCP packet ...       |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 * Bounded: a length above {@code maxFrameBytes} raises {@link TooLongFrameException}
 * ("rtpFrame: 9000 bytes (expected: <= 1500)"), a zero length {@link CorruptedFrameException};
 * the relay then closes the connection. Emits retained slices ({@link ByteBuf}) without the prefix.
 */
public final class Rfc4571FrameDecoder extends ByteToMessageDecoder {
    private final int maxFrameBytes;

    /** @param maxFrameBytes largest accepted packet, 1..65535 (e.g. 1500) */
    public Rfc4571FrameDecoder(int maxFrameBytes) {
        if (maxFrameBytes < 1 || maxFrameBytes > 65535) {
            throw new IllegalArgumentException(String.format("maxFrameBytes: %d (expected: 1..65535)", maxFrameBytes));
        }
        this.maxFrameBytes = maxFrameBytes;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        while (in.readableBytes() >= 2) {
            int length = in.getUnsignedShort(in.readerIndex());
            if (length == 0) {
                throw new CorruptedFrameException("rtpFrame: 0 bytes (expected: >= 1)");
            }
            if (length > maxFrameBytes) {
                throw new TooLongFrameException(String.format("rtpFrame: %d bytes (expected: <= %d)", length, maxFrameBytes));
            }
            if (in.readableBytes() < 2 + length) {
                return;
            }
            in.skipBytes(2);
            out.add(in.readRetainedSlice(length));
        }
    }
}
