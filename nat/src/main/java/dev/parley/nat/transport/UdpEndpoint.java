package dev.parley.nat.transport;

import dev.parley.protocol.PacketKind;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.nio.NioDatagramChannel;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real UDP socket (Netty {@link NioDatagramChannel}) exposed as a {@link DatagramTransport}
 * with a chain of {@link DatagramHandler}s: the one media socket of a client, shared by STUN,
 * connectivity checks and RTP (RFC 7983 demultiplexing is up to the handlers, see
 * {@link PacketKind}). Handler state lives on {@link #eventLoop()}.
 */
public final class UdpEndpoint implements DatagramTransport, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(UdpEndpoint.class);
    private final List<DatagramHandler> handlers = new CopyOnWriteArrayList<>();
    private final Channel channel;
    private final TaskScheduler scheduler;

    private UdpEndpoint(Channel channel) {
        this.channel = channel;
        this.scheduler = TaskScheduler.onEventLoop(channel.eventLoop());
    }

    /**
     * Binds a UDP socket.
     *
     * @param group event loops (one is picked for this socket)
     * @param local address to bind, port 0 for any
     * @return the bound endpoint
     * @throws InterruptedException if interrupted while binding
     * @throws io.netty.channel.ChannelException or a socket exception if the bind fails
     */
    public static UdpEndpoint bind(EventLoopGroup group, InetSocketAddress local) throws InterruptedException {
        UdpEndpoint[] holder = new UdpEndpoint[1];
        Bootstrap b = new Bootstrap().group(group).channel(NioDatagramChannel.class)
                .option(ChannelOption.SO_RCVBUF, 1 << 20)
                .handler(new SimpleChannelInboundHandler<DatagramPacket>() {
                    @Override
                    protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
                        holder[0].dispatch(packet.sender(), ByteBufUtil.getBytes(packet.content()));
                    }

                    @Override
                    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                        log.debug("udp {}: {}", ctx.channel().localAddress(), cause.toString());
                    }
                });
        Channel ch = b.register().sync().channel();
        holder[0] = new UdpEndpoint(ch);
        ch.bind(local).sync();
        return holder[0];
    }

    /** @param handler appended to the chain (asked after the earlier ones) */
    public void addHandler(DatagramHandler handler) {
        handlers.add(handler);
    }

    private void dispatch(InetSocketAddress from, byte[] payload) {
        for (DatagramHandler h : handlers) {
            if (h.onDatagram(from, payload)) {
                return;
            }
        }
        log.debug("udp {}: dropped {} bytes from {} (no handler)", channel.localAddress(), payload.length, from);
    }

    @Override
    public void send(InetSocketAddress to, byte[] payload) {
        channel.writeAndFlush(new DatagramPacket(Unpooled.wrappedBuffer(payload), to)).addListener(f -> {
            if (!f.isSuccess()) {
                log.debug("udp send to {} failed: {}", to, f.cause().toString());
            }
        });
    }

    @Override
    public InetSocketAddress localAddress() {
        return (InetSocketAddress) channel.localAddress();
    }

    /** @return the event loop that owns this socket and its handlers' state */
    public EventLoop eventLoop() {
        return channel.eventLoop();
    }

    /** @return timers on {@link #eventLoop()} */
    public TaskScheduler scheduler() {
        return scheduler;
    }

    /**
     * Runs an asynchronous operation on the event loop (e.g. {@code endpoint.call(() -> client.binding(server))}).
     *
     * @return a future completed with the operation's result
     */
    public <T> CompletableFuture<T> call(Supplier<CompletableFuture<T>> operation) {
        CompletableFuture<T> result = new CompletableFuture<>();
        scheduler.execute(() -> {
            try {
                operation.get().whenComplete((v, e) -> {
                    if (e != null) {
                        result.completeExceptionally(e);
                    } else {
                        result.complete(v);
                    }
                });
            } catch (RuntimeException e) {
                result.completeExceptionally(e);
            }
        });
        return result;
    }

    /** Closes the socket and waits for it (at most 5 s). */
    @Override
    public void close() {
        channel.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
    }
}
