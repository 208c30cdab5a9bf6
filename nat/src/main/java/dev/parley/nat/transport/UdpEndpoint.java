package dev.parley.nat.transport;

import dev.parley.protocol.PacketKind;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelException;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoEventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.unix.IntegerUnixChannelOption;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real UDP socket (Netty {@link NioDatagramChannel}, or {@link EpollDatagramChannel} on a group
 * from {@link #newEventLoopGroup}) exposed as a {@link DatagramTransport}
 * with a chain of {@link DatagramHandler}s: the one media socket of a client, shared by STUN,
 * connectivity checks and RTP (RFC 7983 demultiplexing is up to the handlers, see
 * {@link PacketKind}). Handler state lives on {@link #eventLoop()}.
 *
 * <p>Only an epoll socket can {@link #sendWithTtl send with a limited TTL}: Java has no unicast
 * IP_TTL option, while Netty's epoll channels take any integer socket option
 * ({@link IntegerUnixChannelOption}).
 */
public final class UdpEndpoint implements DatagramTransport, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(UdpEndpoint.class);
    /** setsockopt(IPPROTO_IP = 0, IP_TTL = 2), Linux ip(7); -1 restores the route's default. */
    private static final IntegerUnixChannelOption IP_TTL = new IntegerUnixChannelOption("IP_TTL", 0, 2);
    /** setsockopt(IPPROTO_IPV6 = 41, IPV6_UNICAST_HOPS = 16), Linux ipv6(7); -1 restores the default. */
    private static final IntegerUnixChannelOption IPV6_UNICAST_HOPS = new IntegerUnixChannelOption("IPV6_UNICAST_HOPS", 41, 16);
    private static final int DEFAULT_TTL = -1;
    private final List<DatagramHandler> handlers = new CopyOnWriteArrayList<>();
    private final Channel channel;
    private final TaskScheduler scheduler;
    /** Loop-confined: cleared after the first failure to set the TTL (then every datagram leaves with the default). */
    private boolean ttlSettable;

    private UdpEndpoint(Channel channel) {
        this.channel = channel;
        this.scheduler = TaskScheduler.onEventLoop(channel.eventLoop());
        this.ttlSettable = channel instanceof EpollDatagramChannel;
    }

    /**
     * Event loops for {@link #bind}: native epoll on Linux when its library loads (so sockets can
     * {@link #sendWithTtl limit the TTL}), Java NIO otherwise.
     *
     * @param threads number of loops (0: Netty's default)
     * @param threadFactory names the threads
     * @return a new group; the caller shuts it down
     */
    public static EventLoopGroup newEventLoopGroup(int threads, ThreadFactory threadFactory) {
        if (Epoll.isAvailable()) {
            return new MultiThreadIoEventLoopGroup(threads, threadFactory, EpollIoHandler.newFactory());
        }
        log.debug("udp: epoll unavailable, using NIO (no per-datagram TTL): {}", String.valueOf(Epoll.unavailabilityCause()));
        return new NioEventLoopGroup(threads, threadFactory);
    }

    /**
     * Binds a UDP socket.
     *
     * @param group event loops (one is picked for this socket): an epoll group gives an epoll socket
     * @param local address to bind, port 0 for any
     * @return the bound endpoint
     * @throws InterruptedException if interrupted while binding
     * @throws io.netty.channel.ChannelException or a socket exception if the bind fails
     */
    public static UdpEndpoint bind(EventLoopGroup group, InetSocketAddress local) throws InterruptedException {
        UdpEndpoint[] holder = new UdpEndpoint[1];
        boolean epoll = group instanceof IoEventLoopGroup io && io.isIoType(EpollIoHandler.class);
        Bootstrap b = new Bootstrap().group(group).channel(epoll ? EpollDatagramChannel.class : NioDatagramChannel.class)
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

    /**
     * {@inheritDoc}
     *
     * <p>On the event loop, sets the socket's TTL (IP_TTL, or IPV6_UNICAST_HOPS for an IPv6
     * destination), writes the datagram and restores the default: Netty writes at once when the
     * loop flushes, so only this datagram carries the low TTL (if the socket buffer is full it is
     * queued and leaves later, with the default TTL). Supported on epoll sockets only.
     */
    @Override
    public boolean sendWithTtl(InetSocketAddress to, byte[] payload, int ttl) {
        DatagramTransport.checkTtl(ttl);
        if (!(channel instanceof EpollDatagramChannel)) {
            return false;
        }
        byte[] copy = payload.clone(); // may be sent after the caller reuses its array
        if (channel.eventLoop().inEventLoop()) {
            sendWithTtl0(to, copy, ttl);
        } else {
            channel.eventLoop().execute(() -> sendWithTtl0(to, copy, ttl));
        }
        return true;
    }

    private void sendWithTtl0(InetSocketAddress to, byte[] payload, int ttl) {
        IntegerUnixChannelOption option = to.getAddress() instanceof Inet6Address ? IPV6_UNICAST_HOPS : IP_TTL;
        boolean limited = ttlSettable && setTtl(option, ttl);
        send(to, payload);
        if (limited) {
            setTtl(option, DEFAULT_TTL);
        }
    }

    private boolean setTtl(IntegerUnixChannelOption option, int ttl) {
        try {
            return channel.config().setOption(option, ttl);
        } catch (ChannelException e) {
            ttlSettable = false;
            log.warn("udp {}: cannot set {} (datagrams keep the default TTL from now on): {}", channel.localAddress(), option.name(),
                    e.toString());
            return false;
        }
    }

    /** @return the socket's current unicast IPv4 TTL (64 by default on Linux); -1 if not an epoll socket. Not on the loop. */
    int ttl() {
        if (!(channel instanceof EpollDatagramChannel)) {
            return -1;
        }
        return channel.eventLoop().submit(() -> channel.config().getOption(IP_TTL)).syncUninterruptibly().getNow();
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
