package dev.parley.client.serve;

import dev.parley.protocol.ControlPipeline;
import dev.parley.protocol.HostPort;
import dev.parley.protocol.UploadBursts;
import dev.parley.protocol.wire.ServeBurst;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * What a serve candidate listens with until it is promoted: its serve port, TCP and UDP, for the
 * login server's reachability probe. TCP: a TLS 1.3 handshake with the node key (the probe checks
 * the key), then the connection is closed (at the latest after {@value #TCP_HOLD_MS} ms). UDP: a
 * 24-byte probe datagram ({@code "PRLYPRB1"} + 16-byte nonce) hands its nonce and sender to the
 * owner, and so does the login server's answer to the upload burst ({@link UploadBursts#parseAnswer});
 * nothing is sent back to a datagram's sender here (no reflection): the burst ({@link UploadBurst})
 * goes out only once the login server confirmed the nonce over TLS. Other datagrams are dropped.
 */
final class ProbeListener implements AutoCloseable {
    static final byte[] MAGIC = "PRLYPRB1".getBytes(StandardCharsets.US_ASCII);
    static final int DATAGRAM_BYTES = 24;
    static final long TCP_HOLD_MS = 5_000;
    private static final int BIND_ATTEMPTS = 8;

    private final Channel tcp;
    private final Channel udp;
    private final HostPort bound;

    private ProbeListener(Channel tcp, Channel udp, HostPort bound) {
        this.tcp = tcp;
        this.udp = udp;
        this.bound = bound;
    }

    /**
     * Binds TCP and UDP on {@code host}:{@code port} (0: a free port, the same number for both).
     *
     * @param nonces gets each probe datagram's 16-byte nonce and its sender (on the event loop)
     * @param answers gets each upload-burst answer (on the event loop)
     * @throws IOException if the port cannot be bound
     */
    static ProbeListener bind(EventLoopGroup group, String host, int port, SslContext tls,
            BiConsumer<byte[], InetSocketAddress> nonces, Consumer<UploadBursts.Answer> answers) throws IOException {
        ServerBootstrap server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ControlPipeline.install(ch, tls, ControlPipeline.DEFAULT_MAX_FRAME_BYTES);
                        ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                            @Override
                            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                ReferenceCountUtil.release(msg);
                                ctx.close(); // nothing to serve before promotion
                            }

                            @Override
                            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                                ctx.close();
                            }
                        });
                        ch.eventLoop().schedule(() -> ch.close(), TCP_HOLD_MS, TimeUnit.MILLISECONDS);
                    }
                });
        Bootstrap datagrams = new Bootstrap().group(group).channel(NioDatagramChannel.class)
                .handler(new SimpleChannelInboundHandler<DatagramPacket>() {
                    @Override
                    protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
                        ByteBuf b = packet.content();
                        if (b.readableBytes() == UploadBursts.ANSWER_BYTES) {
                            byte[] bytes = new byte[UploadBursts.ANSWER_BYTES];
                            b.getBytes(b.readerIndex(), bytes);
                            UploadBursts.Answer answer = UploadBursts.parseAnswer(bytes);
                            if (answer != null) {
                                answers.accept(answer);
                            }
                            return;
                        }
                        if (b.readableBytes() != DATAGRAM_BYTES) {
                            return;
                        }
                        byte[] bytes = new byte[DATAGRAM_BYTES];
                        b.getBytes(b.readerIndex(), bytes);
                        if (Arrays.equals(bytes, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
                            nonces.accept(Arrays.copyOfRange(bytes, MAGIC.length, DATAGRAM_BYTES), packet.sender());
                        }
                    }
                });
        for (int attempt = 1; ; attempt++) {
            ChannelFuture t = server.bind(host, port).awaitUninterruptibly();
            if (!t.isSuccess()) {
                throw new IOException("cannot listen on " + host + ":" + port + ": " + t.cause().getMessage(), t.cause());
            }
            int bound = ((InetSocketAddress) t.channel().localAddress()).getPort();
            ChannelFuture u = datagrams.bind(host, bound).awaitUninterruptibly();
            if (u.isSuccess()) {
                return new ProbeListener(t.channel(), u.channel(), new HostPort(host, bound));
            }
            t.channel().close().awaitUninterruptibly();
            if (port != 0 || attempt >= BIND_ATTEMPTS) {
                throw new IOException("cannot bind UDP " + host + ":" + bound + ": " + u.cause().getMessage(), u.cause());
            }
        }
    }

    /** @return the address bound (TCP and UDP) */
    HostPort address() {
        return bound;
    }

    /**
     * Sends the upload burst the login server asked for from the serve port (docs/protocol.md
     * "Serving clients").
     *
     * @param to the probe datagram's sender (the login server's probe socket)
     * @param paceKbps the rate to pace it at, kbit/s (the stated share)
     * @return completes when the last datagram was written
     */
    CompletableFuture<Integer> burst(InetSocketAddress to, byte[] nonce, ServeBurst spec, int paceKbps) {
        return UploadBurst.send(udp, to, nonce, spec, paceKbps);
    }

    /** @return the serve port's UDP channel (tests: datagrams from the probed address) */
    Channel udp() {
        return udp;
    }

    /** Closes both sockets and waits until they are released (the super node binds the port next). */
    @Override
    public void close() {
        tcp.close().awaitUninterruptibly();
        udp.close().awaitUninterruptibly();
    }
}
