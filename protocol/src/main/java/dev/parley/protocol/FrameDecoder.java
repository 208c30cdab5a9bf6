package dev.parley.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.util.List;

/**
 * Splits a TCP byte stream into frames prefixed by a base-128 varint32 length (the protobuf
 * "delimited" format), refusing any frame longer than a maximum.
 *
 * <pre>
 * +--------------------+-----------------------------+
 * | length (varint32,  | payload (length bytes:      |
 * |  1..5 bytes)       |  one protobuf Envelope)     |
 * +--------------------+-----------------------------+
 * </pre>
 *
 * <p>Unlike Netty's {@code ProtobufVarint32FrameDecoder} this decoder is bounded: a declared length
 * above {@code maxFrameBytes} raises {@link FrameTooLargeException} before any payload is buffered,
 * and a prefix longer than 5 bytes raises {@link CorruptFrameException}. After either error the
 * decoder discards all further input; the pipeline's exception handler is expected to close.
 */
public final class FrameDecoder extends ByteToMessageDecoder {
    private final int maxFrameBytes;
    private boolean failed;

    /** @param maxFrameBytes largest accepted payload, in bytes (must be positive) */
    public FrameDecoder(int maxFrameBytes) {
        if (maxFrameBytes <= 0) {
            throw new IllegalArgumentException("maxFrameBytes: " + maxFrameBytes + " (expected: > 0)");
        }
        this.maxFrameBytes = maxFrameBytes;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (failed) {
            in.skipBytes(in.readableBytes());
            return;
        }
        in.markReaderIndex();
        long length = 0;
        int shift = 0;
        while (true) {
            if (!in.isReadable()) {
                in.resetReaderIndex();
                return; // prefix incomplete
            }
            byte b = in.readByte();
            length |= (long) (b & 0x7f) << shift;
            if ((b & 0x80) == 0) {
                break;
            }
            shift += 7;
            if (shift >= 35) {
                fail(in);
                throw new CorruptFrameException("length prefix longer than 5 bytes");
            }
        }
        if (length > maxFrameBytes) {
            fail(in);
            throw new FrameTooLargeException(length, maxFrameBytes);
        }
        if (in.readableBytes() < length) {
            in.resetReaderIndex();
            return;
        }
        out.add(in.readRetainedSlice((int) length));
    }

    private void fail(ByteBuf in) {
        failed = true;
        in.skipBytes(in.readableBytes());
    }
}
