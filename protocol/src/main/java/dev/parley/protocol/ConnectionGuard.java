package dev.parley.protocol;

import dev.parley.protocol.wire.ErrorCode;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.AttributeKey;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;

/**
 * Caps a server's open control connections per source address ({@link SourceAddresses#key}) and
 * closes idle ones: a connection over the cap, or one on which the {@link #IDLE} handler that
 * {@link #install} places before this one saw nothing received for the idle timeout, gets Error
 * RATE_LIMITED (unsolicited, request id 0) and is closed. Used by the login server and the super
 * nodes' control port.
 *
 * <p>One instance per server, shared by all connections. The count map holds only addresses with
 * open connections, so it is bounded by the number of open sockets.
 */
@Sharable
public final class ConnectionGuard extends ChannelInboundHandlerAdapter {
    /** The name of the idle-timer handler {@link #install} adds; remove it to exempt a connection. */
    public static final String IDLE = "idle";
    /** The name of this handler in a pipeline set up by {@link #install}. */
    public static final String NAME = "connections";
    private static final AttributeKey<String> COUNTED = AttributeKey.valueOf("parley.connection.source");

    private final int perAddress;
    private final Duration idleTimeout;
    private final ConcurrentMap<String, Integer> open = new ConcurrentHashMap<>();

    /**
     * @param perAddress most open connections per source address (positive)
     * @param idleTimeout a connection that receives nothing for this long is closed (positive)
     */
    public ConnectionGuard(int perAddress, Duration idleTimeout) {
        if (perAddress < 1 || idleTimeout.isNegative() || idleTimeout.isZero()) {
            throw new IllegalArgumentException(String.format("perAddress: %d, idleTimeout: %s (expected: positive)",
                    perAddress, idleTimeout));
        }
        this.perAddress = perAddress;
        this.idleTimeout = idleTimeout;
    }

    /** Adds the idle timer ({@link #IDLE}) and this guard ({@link #NAME}) at the end of {@code ch}'s pipeline. */
    public void install(Channel ch) {
        ch.pipeline().addLast(IDLE, new IdleStateHandler(idleTimeout.toMillis(), 0, 0, TimeUnit.MILLISECONDS));
        ch.pipeline().addLast(NAME, this);
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        String source = SourceAddresses.key(ctx.channel().remoteAddress());
        int count = open.merge(source, 1, Integer::sum);
        if (count > perAddress) {
            release(source);
            refuse(ctx, String.format("connections from %s: %d (expected: <= %d)", source, count, perAddress));
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
            long ms = idleTimeout.toMillis();
            refuse(ctx, String.format("connection idle: %d ms (expected: a request at least every %d ms)", ms, ms));
            return;
        }
        super.userEventTriggered(ctx, evt);
    }

    /** @return open connections from {@code source} (for tests and metrics) */
    public int open(String source) {
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
