package dev.parley.login;

import dev.parley.protocol.Envelopes;
import dev.parley.protocol.wire.ErrorCode;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.AttributeKey;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * Caps open login-server connections per source address ({@link LoginLimits#connectionsPerAddress()})
 * and closes idle ones: a connection over the cap, or one on which an {@code IdleStateHandler}
 * placed before this handler saw nothing for {@link LoginLimits#idleTimeout()}, gets Error
 * RATE_LIMITED (unsolicited, request id 0) and is closed.
 *
 * <p>One instance per server, shared by all connections. The count map holds only addresses with
 * open connections, so it is bounded by the number of open sockets.
 */
@Sharable
final class ConnectionGuard extends ChannelInboundHandlerAdapter {
    private static final AttributeKey<String> COUNTED = AttributeKey.valueOf("parley.login.source");

    private final LoginLimits limits;
    private final ConcurrentMap<String, Integer> open = new ConcurrentHashMap<>();

    ConnectionGuard(LoginLimits limits) {
        this.limits = limits;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        String source = SourceAddresses.key(ctx.channel().remoteAddress());
        int count = open.merge(source, 1, Integer::sum);
        if (count > limits.connectionsPerAddress()) {
            release(source);
            refuse(ctx, String.format("connections from %s: %d (expected: <= %d)", source, count,
                    limits.connectionsPerAddress()));
            return;
        }
        ctx.channel().attr(COUNTED).set(source);
        super.channelActive(ctx);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        String source = ctx.channel().attr(COUNTED).getAndSet(null);
        if (source != null) {
            release(source);
        }
        super.channelInactive(ctx);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof IdleStateEvent) {
            long ms = limits.idleTimeout().toMillis();
            refuse(ctx, String.format("connection idle: %d ms (expected: a request at least every %d ms)", ms, ms));
            return;
        }
        super.userEventTriggered(ctx, evt);
    }

    /** @return open connections from {@code source} (for tests and metrics) */
    int open(String source) {
        return open.getOrDefault(source, 0);
    }

    private void release(String source) {
        open.computeIfPresent(source, (k, n) -> n <= 1 ? null : n - 1);
    }

    private static void refuse(ChannelHandlerContext ctx, String message) {
        ctx.channel().config().setAutoRead(false); // no more requests from it
        ctx.writeAndFlush(Envelopes.error(0, ErrorCode.RATE_LIMITED, message)).addListener(ChannelFutureListener.CLOSE);
    }
}
