package dev.parley.protocol;

import dev.parley.protocol.wire.ErrorCode;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Last handler of a server's control pipeline: turns a decoding failure into an {@code Error}
 * envelope ({@link ErrorCode#FRAME_TOO_LARGE} or {@link ErrorCode#BAD_REQUEST}) followed by a
 * clean close, and closes quietly on I/O errors (peer reset). Nothing propagates further.
 */
@ChannelHandler.Sharable
public final class ErrorClosingHandler extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(ErrorClosingHandler.class);
    /** The shared instance. */
    public static final ErrorClosingHandler INSTANCE = new ErrorClosingHandler();

    private ErrorClosingHandler() {}

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof IOException) {
            log.debug("{}: closing after I/O error: {}", ctx.channel().remoteAddress(), cause.getMessage());
            ctx.close();
            return;
        }
        Throwable root = cause instanceof DecoderException && cause.getCause() != null ? cause.getCause() : cause;
        ErrorCode code = root instanceof FrameTooLargeException ? ErrorCode.FRAME_TOO_LARGE
                : cause instanceof DecoderException ? ErrorCode.BAD_REQUEST : ErrorCode.INTERNAL;
        if (code == ErrorCode.INTERNAL) {
            log.warn("{}: closing after unexpected error", ctx.channel().remoteAddress(), cause);
        } else {
            log.info("{}: closing after bad input: {}", ctx.channel().remoteAddress(), root.getMessage());
        }
        if (ctx.channel().isActive()) {
            ctx.writeAndFlush(Envelopes.error(0, code, String.valueOf(root.getMessage())))
                    .addListener(ChannelFutureListener.CLOSE);
        }
    }
}
