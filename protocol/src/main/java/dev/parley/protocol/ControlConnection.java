package dev.parley.protocol;

import dev.parley.protocol.tls.HandshakeFailedException;
import dev.parley.protocol.wire.Envelope;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeTimeoutException;
import java.io.IOException;
import java.security.cert.CertificateException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import javax.net.ssl.SSLHandshakeException;

/**
 * The initiating side of a control connection: request/response over framed {@link Envelope}s,
 * plus unsolicited pushes.
 *
 * <p>Requests get ids 1, 2, 3 …; a response with a pending id completes that request's future
 * (exceptionally with {@link ProtocolException} if it carries an error); every other envelope goes
 * to the push handler. All state is confined to the channel's event loop.
 */
public final class ControlConnection implements AutoCloseable {
    /** How long a request waits for its response unless told otherwise. */
    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(10);

    private final Channel channel;
    private final Map<Long, CompletableFuture<Envelope>> pending = new HashMap<>(); // event loop only
    private long nextRequestId = 1; // event loop only

    private ControlConnection(Channel channel) {
        this.channel = channel;
        channel.closeFuture().addListener(f -> failAll(new IOException("connection to " + channel.remoteAddress() + " closed")));
    }

    /**
     * Opens a TLS 1.3 connection.
     *
     * @param group event loops for the channel
     * @param target where to connect
     * @param tls a {@code Tls.client} context: it decides which server key is trusted
     * @param pushHandler receives every envelope that is not a response, on the event loop
     * @param connectTimeout how long to wait for TCP to connect (the TLS handshake has its own
     *     {@value ControlPipeline#HANDSHAKE_TIMEOUT_MS} ms)
     * @return completes with the open connection once the handshake succeeded, or exceptionally with
     *     an {@link IOException} naming the target and why: a connect failure, or
     *     {@link HandshakeFailedException} (e.g. a changed server key)
     */
    public static CompletableFuture<ControlConnection> connect(EventLoopGroup group, HostPort target, SslContext tls,
            Consumer<Envelope> pushHandler, Duration connectTimeout) {
        CompletableFuture<ControlConnection> result = new CompletableFuture<>();
        Bootstrap b = new Bootstrap().group(group).channel(NioSocketChannel.class)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) connectTimeout.toMillis())
                .option(ChannelOption.TCP_NODELAY, true)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ControlPipeline.install(ch, tls, ControlPipeline.DEFAULT_MAX_FRAME_BYTES);
                        ch.pipeline().addLast("responses", new ControlConnection(ch).new Inbound(pushHandler));
                    }
                });
        ChannelFuture f = b.connect(target.host(), target.port());
        f.addListener(done -> {
            if (!done.isSuccess()) {
                result.completeExceptionally(new IOException("cannot connect to " + target + ": "
                        + done.cause().getMessage(), done.cause()));
                return;
            }
            // Connected: from here on a failure is the TLS handshake's (or the connection dropped in it).
            Channel ch = f.channel();
            ch.pipeline().get(SslHandler.class).handshakeFuture().addListener(hs -> {
                if (hs.isSuccess()) {
                    result.complete(((Inbound) ch.pipeline().get("responses")).connection());
                    return;
                }
                String why = "cannot connect to " + target + ": TLS handshake failed: " + rootMessage(hs.cause());
                // Only a refused certificate or a TLS protocol failure means "not the server we trust";
                // a connection that merely dropped is an I/O failure like any other.
                result.completeExceptionally(refusal(hs.cause()) ? new HandshakeFailedException(why, hs.cause())
                        : new IOException(why, hs.cause()));
                ch.close();
            });
        });
        return result;
    }

    private static boolean refusal(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof SslHandshakeTimeoutException) {
                return false; // a slow or overloaded server, not an impostor
            }
            if (c instanceof CertificateException || c instanceof SSLHandshakeException) {
                return true;
            }
        }
        return false;
    }

    /** @return the innermost cause's message: a refused key says why there, under SSLHandshakeException */
    private static String rootMessage(Throwable t) {
        Throwable c = t;
        while (c.getCause() != null && c.getCause() != c) {
            c = c.getCause();
        }
        return c.getMessage() == null ? c.toString() : c.getMessage();
    }

    /** Sends a request and waits {@link #DEFAULT_REQUEST_TIMEOUT} for its response. */
    public CompletableFuture<Envelope> request(Envelope.Builder request) {
        return request(request, DEFAULT_REQUEST_TIMEOUT);
    }

    /**
     * Sends a request with a fresh request id.
     *
     * @param request the envelope to send; its request id and version are overwritten
     * @param timeout how long to wait for the response
     * @return completes with the response, or exceptionally with {@link ProtocolException} (error
     *     response), {@link TimeoutException} or {@link IOException} (connection closed)
     */
    public CompletableFuture<Envelope> request(Envelope.Builder request, Duration timeout) {
        CompletableFuture<Envelope> response = new CompletableFuture<>();
        channel.eventLoop().execute(() -> {
            if (!channel.isActive()) {
                response.completeExceptionally(new IOException("connection to " + channel.remoteAddress() + " is closed"));
                return;
            }
            long id = nextRequestId++;
            pending.put(id, response);
            channel.writeAndFlush(request.setVersion(Envelopes.VERSION).setRequestId(id).build());
            var timer = channel.eventLoop().schedule(() -> {
                if (pending.remove(id) != null) {
                    response.completeExceptionally(new TimeoutException(
                            "no response from " + channel.remoteAddress() + " within " + timeout.toMillis() + " ms"));
                }
            }, timeout.toMillis(), TimeUnit.MILLISECONDS);
            response.whenComplete((r, e) -> timer.cancel(false));
        });
        return response;
    }

    /** Sends an envelope that expects no response (request id 0). */
    public void send(Envelope.Builder push) {
        channel.writeAndFlush(push.setVersion(Envelopes.VERSION).setRequestId(0).build());
    }

    /** @return the underlying channel */
    public Channel channel() {
        return channel;
    }

    /** @return true while the connection is open */
    public boolean isActive() {
        return channel.isActive();
    }

    /** @return completes when the connection closes */
    public CompletableFuture<Void> closeFuture() {
        CompletableFuture<Void> f = new CompletableFuture<>();
        channel.closeFuture().addListener(x -> f.complete(null));
        return f;
    }

    @Override
    public void close() {
        channel.close();
    }

    private void failAll(Exception cause) {
        channel.eventLoop().execute(() -> {
            for (CompletableFuture<Envelope> f : pending.values()) {
                f.completeExceptionally(cause);
            }
            pending.clear();
        });
    }

    private final class Inbound extends SimpleChannelInboundHandler<Envelope> {
        private final Consumer<Envelope> pushHandler;

        Inbound(Consumer<Envelope> pushHandler) {
            this.pushHandler = pushHandler;
        }

        ControlConnection connection() {
            return ControlConnection.this;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, Envelope msg) {
            CompletableFuture<Envelope> waiting = msg.getRequestId() == 0 ? null : pending.remove(msg.getRequestId());
            if (waiting == null) {
                pushHandler.accept(msg);
            } else if (msg.hasError()) {
                waiting.completeExceptionally(new ProtocolException(msg.getError().getCode(), msg.getError().getMessage()));
            } else {
                waiting.complete(msg);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            failAll(new IOException("control connection to " + ctx.channel().remoteAddress() + " failed: " + cause.getMessage(), cause));
            ctx.close();
        }
    }
}
