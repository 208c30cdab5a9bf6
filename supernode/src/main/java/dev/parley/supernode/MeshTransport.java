package dev.parley.supernode;

import dev.parley.nat.transport.BatchedUdp;
import dev.parley.protocol.Envelopes;
import dev.parley.protocol.ProtocolException;
import dev.parley.protocol.wire.Envelope;
import dev.parley.supernode.meshauth.MeshDatagramException;
import dev.parley.supernode.meshauth.MeshKeys;
import dev.parley.supernode.meshauth.MeshSeal;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelException;
import io.netty.channel.ChannelFactory;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.DatagramChannel;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.LongAdder;
import java.util.random.RandomGenerator;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Request/response over UDP between super nodes: one {@code Envelope} per datagram, sealed for the
 * peer ({@link MeshSeal}: ChaCha20-Poly1305 between certified super nodes, with replay protection; at
 * most {@value #MAX_DATAGRAM_BYTES} bytes). Every datagram sent is sealed (a retransmission
 * anew, with its own counter) and every datagram received is opened before it is parsed: one that
 * does not open (unauthenticated, forged, replayed, stale, from an address its certificate does not
 * name, a plain envelope) is dropped without an answer and counted. Under overload, a
 * {@code PeerLookup} that waited longer than {@value MeshQueueDelay#TARGET_MS} ms in a standing
 * queue ({@link MeshQueueDelay}) is dropped unanswered and counted ({@link #shed()}); nothing else
 * is. Requests carry random 63-bit ids (from a {@code SecureRandom} in production), may be
 * retransmitted once and time out; a timeout
 * makes the next datagrams to that peer carry this node's certificate and name no boot of the peer
 * ({@link MeshKeys#forgetBoot}), so a peer that restarted is reached again. Envelopes that do not
 * parse and responses nobody waits for are dropped and counted.
 *
 * <p>One datagram channel; every field is confined to its event loop ({@link #loop()}).
 * {@link #request} and {@link #send} may be called from any thread.
 */
final class MeshTransport implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(MeshTransport.class);
    /** Largest datagram sent or accepted. */
    static final int MAX_DATAGRAM_BYTES = MeshSeal.MAX_DATAGRAM_BYTES;
    private static final int SOCKET_BUFFER_BYTES = 4 * 1024 * 1024;
    /** Datagrams per recvmmsg(2) on epoll (each in a slot of MAX_DATAGRAM_BYTES + 1 of one pooled buffer). */
    static final int RECEIVE_BATCH = 32;

    /** Serves requests and pushes that are not responses; runs on the transport's loop. */
    interface Inbound {
        /**
         * @param msg a request (id ≠ 0) or push (id 0)
         * @param sender the datagram's source
         * @return the response to send back (its id is set here), if any
         */
        Envelope.@Nullable Builder onMessage(Envelope msg, InetSocketAddress sender);
    }

    private record Pending(CompletableFuture<Envelope> response, @Nullable ScheduledFuture<?>[] timers) {}

    private final Channel channel;
    private final Map<Long, Pending> pending = new HashMap<>(); // loop only
    private final RandomGenerator ids; // loop only
    private final MeshKeys keys; // loop only
    private final MeshSeal seal; // loop only
    private final LongAdder dropped = new LongAdder();
    private final LongAdder shed = new LongAdder();
    private final MeshQueueDelay queue = new MeshQueueDelay(); // loop only
    // Traffic, for metrics: [0] datagrams received, [1] bytes received, [2] datagrams sent, [3] bytes sent.
    private final LongAdder[] traffic = {new LongAdder(), new LongAdder(), new LongAdder(), new LongAdder()};
    private final Map<MeshDatagramException.Reason, LongAdder> refused = new EnumMap<>(MeshDatagramException.Reason.class);
    private volatile Inbound inbound = (m, s) -> null;

    private MeshTransport(Channel channel, RandomGenerator ids, MeshKeys keys) {
        this.channel = channel;
        this.ids = ids;
        this.keys = keys;
        this.seal = new MeshSeal(keys);
        for (MeshDatagramException.Reason r : MeshDatagramException.Reason.values()) {
            refused.put(r, new LongAdder());
        }
    }

    /**
     * Binds a UDP socket.
     *
     * @param group where the channel's loop comes from
     * @param bind local address (normally the super node's TCP host and port)
     * @param ids source of the request ids: a {@code SecureRandom} in production (tests may pass a
     *     seeded generator); used on the transport's loop only
     * @param keys this node's mesh keys and the peers' certificates; from now on used on the
     *     transport's loop only ({@link #keys()})
     * @throws IOException if the address cannot be bound
     */
    static MeshTransport bind(EventLoopGroup group, InetSocketAddress bind, RandomGenerator ids, MeshKeys keys)
            throws IOException {
        return bind(group, bind, ids, keys, List.of());
    }

    /**
     * As {@link #bind(EventLoopGroup, InetSocketAddress, RandomGenerator, MeshKeys)}, with handlers in
     * front of the mesh on the same socket (the media relay and STUN server): each takes what is its
     * own and passes the rest on, so the mesh sees only what they leave (RFC 7983 first-byte ranges;
     * sealed mesh datagrams start with {@value MeshSeal#TYPE}, a value no other protocol uses).
     */
    static MeshTransport bind(EventLoopGroup group, InetSocketAddress bind, RandomGenerator ids, MeshKeys keys,
            List<ChannelHandler> front) throws IOException {
        // The transport exists before its socket is registered: a datagram that arrives as soon as
        // the socket is bound already finds it.
        DatagramChannel socket;
        try {
            socket = BatchedUdp.newChannel(group);
        } catch (ChannelException e) {
            throw new IOException("cannot bind UDP " + bind + ": " + e.getMessage(), e);
        }
        MeshTransport transport = new MeshTransport(socket, ids, keys);
        ChannelFactory<DatagramChannel> thisSocket = () -> socket;
        Bootstrap b = new Bootstrap().group(group).channelFactory(thisSocket)
                .option(ChannelOption.SO_RCVBUF, SOCKET_BUFFER_BYTES)
                .option(ChannelOption.SO_SNDBUF, SOCKET_BUFFER_BYTES)
                .handler(new ChannelInitializer<DatagramChannel>() {
                    @Override
                    protected void initChannel(DatagramChannel ch) {
                        front.forEach(h -> ch.pipeline().addLast(h));
                        ch.pipeline().addLast("mesh", new SimpleChannelInboundHandler<DatagramPacket>() {
                            @Override
                            protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
                                transport.receive(packet);
                            }

                            @Override
                            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                                log.debug("mesh socket: {}", cause.toString()); // e.g. ICMP unreachable: ignore
                            }
                        });
                    }
                });
        // One byte over the largest datagram: an oversized one arrives one byte too long and is dropped.
        // On an epoll group, RECEIVE_BATCH datagrams per recvmmsg and the relay's writes leave by sendmmsg.
        ChannelFuture f = BatchedUdp.receiveBatches(b, group, MAX_DATAGRAM_BYTES + 1, RECEIVE_BATCH).bind(bind).awaitUninterruptibly();
        if (!f.isSuccess()) {
            throw new IOException("cannot bind UDP " + bind + ": " + f.cause().getMessage(), f.cause());
        }
        return transport;
    }

    void setInbound(Inbound handler) {
        this.inbound = handler;
    }

    /** @return the event loop owning this transport */
    EventLoop loop() {
        return channel.eventLoop();
    }

    /** @return datagrams dropped so far (not opened, unparseable, oversized, unmatched responses) */
    long dropped() {
        return dropped.sum();
    }

    /**
     * @param nowMs this node's wall clock, in ms
     * @return whether the mesh receive queue is standing ({@link MeshQueueDelay#standing}); loop only
     */
    boolean queueStanding(long nowMs) {
        return queue.standing(nowMs);
    }

    /** @return lookups dropped unanswered as they waited in a standing queue ({@link MeshQueueDelay}) */
    long shed() {
        return shed.sum();
    }

    /** {@link #traffic} index of the datagrams sent. */
    static final int DATAGRAMS_SENT = 2;

    /**
     * @param what 0: datagrams received, 1: bytes received, 2 ({@link #DATAGRAMS_SENT}): datagrams sent,
     *     3: bytes sent (UDP payload bytes)
     * @return that count so far
     */
    long traffic(int what) {
        return traffic[what].sum();
    }

    /** @return datagrams received so far that did not open, for this reason (unsealable sends: {@code CANNOT_SEAL}) */
    long refused(MeshDatagramException.Reason reason) {
        return refused.get(reason).sum();
    }

    /** @return the UDP socket's channel */
    Channel channel() {
        return channel;
    }

    /** @return the bound UDP address */
    InetSocketAddress localAddress() {
        return (InetSocketAddress) channel.localAddress();
    }

    /** @return the mesh keys (use on {@link #loop()} only) */
    MeshKeys keys() {
        return keys;
    }

    /**
     * Sends a request and waits for the response.
     *
     * @param to the peer's UDP address
     * @param request the envelope (id and version are set here)
     * @param timeoutMs how long to wait in all
     * @param retransmitAfterMs send one more copy after this long if still unanswered (0: never)
     * @return the response (completes on {@link #loop()}); exceptionally {@link TimeoutException},
     *     {@link ProtocolException} (error answer) or {@link IOException} (transport closed, or no
     *     current certificate known for {@code to}: nothing is sent)
     */
    CompletableFuture<Envelope> request(InetSocketAddress to, Envelope.Builder request, long timeoutMs, long retransmitAfterMs) {
        CompletableFuture<Envelope> response = new CompletableFuture<>();
        boolean queued = execute(() -> {
            if (!channel.isActive()) {
                response.completeExceptionally(new IOException("mesh socket closed"));
                return;
            }
            long id;
            do {
                id = ids.nextLong() & Long.MAX_VALUE;
            } while (id == 0 || pending.containsKey(id));
            long requestId = id;
            byte[] bytes = request.setVersion(Envelopes.VERSION).setRequestId(requestId).build().toByteArray();
            String unsealable = write(to, bytes);
            if (unsealable != null) {
                response.completeExceptionally(new IOException(unsealable)); // e.g. no certificate for the peer
                return;
            }
            ScheduledFuture<?>[] timers = new ScheduledFuture<?>[2];
            pending.put(requestId, new Pending(response, timers));
            if (retransmitAfterMs > 0 && retransmitAfterMs < timeoutMs) {
                timers[1] = loop().schedule(() -> write(to, bytes), retransmitAfterMs, TimeUnit.MILLISECONDS);
            }
            timers[0] = loop().schedule(() -> {
                if (pending.remove(requestId) != null) {
                    keys.forgetBoot(to); // it may have restarted, or lost this node's certificate
                    response.completeExceptionally(new TimeoutException(
                            "no answer from " + to + " within " + timeoutMs + " ms"));
                }
            }, timeoutMs, TimeUnit.MILLISECONDS);
        });
        if (!queued) {
            response.completeExceptionally(new IOException("mesh socket closed"));
        }
        return response;
    }

    /** Sends an envelope that expects no answer (request id 0). */
    void send(InetSocketAddress to, Envelope.Builder push) {
        byte[] bytes = push.setVersion(Envelopes.VERSION).setRequestId(0).build().toByteArray();
        execute(() -> write(to, bytes));
    }

    /** Seals and sends an envelope; on the loop. @return null if sent, else why it could not be sealed */
    private @Nullable String write(InetSocketAddress to, byte[] envelope) {
        byte[] datagram;
        try {
            datagram = seal.seal(to, envelope);
        } catch (MeshDatagramException e) {
            refused.get(e.reason()).increment();
            log.debug("mesh: not sending to {}: {}", to, e.getMessage());
            return "cannot send to " + to + ": " + e.getMessage();
        }
        channel.writeAndFlush(new DatagramPacket(Unpooled.wrappedBuffer(datagram), to));
        traffic[2].increment();
        traffic[3].add(datagram.length);
        return null;
    }

    private void receive(DatagramPacket packet) {
        ByteBuf content = packet.content();
        traffic[0].increment();
        traffic[1].add(content.readableBytes());
        if (content.readableBytes() > MAX_DATAGRAM_BYTES) {
            dropped.increment();
            return;
        }
        MeshSeal.Opened opened;
        try {
            opened = seal.open(ByteBufUtil.getBytes(content), packet.sender());
        } catch (MeshDatagramException e) {
            dropped.increment(); // never answered: a stranger gets nothing back
            refused.get(e.reason()).increment();
            log.trace("mesh: dropped a datagram from {}: {}", packet.sender(), e.getMessage());
            return;
        }
        // Every authentic datagram tells how long the queue held it: answers and pings too.
        long delayMs = queue.sample(opened.sender(), opened.openedAtMs(), opened.sentAtMs());
        Envelope msg;
        try {
            msg = Envelope.parseFrom(opened.payload());
        } catch (IOException e) {
            dropped.increment();
            return;
        }
        Pending waiting = msg.getRequestId() == 0 ? null : pending.get(msg.getRequestId());
        boolean isResponse = msg.hasMeshPong() || msg.hasPeerLookupResult() || msg.hasError() || msg.hasOk();
        if (waiting != null && isResponse) {
            pending.remove(msg.getRequestId());
            for (ScheduledFuture<?> t : waiting.timers()) {
                if (t != null) {
                    t.cancel(false);
                }
            }
            if (msg.hasError()) {
                waiting.response().completeExceptionally(
                        new ProtocolException(msg.getError().getCode(), msg.getError().getMessage()));
            } else {
                waiting.response().complete(msg);
            }
            return;
        }
        if (isResponse) {
            dropped.increment(); // late duplicate or unsolicited: never answered, so no ping-pong
            return;
        }
        if (msg.hasPeerLookup() && queue.sheds(delayMs, opened.openedAtMs())) {
            // Overloaded: answering what waited this long keeps the queue standing while the asker
            // has moved on; its silence throttles the asker's search (LookupThrottle).
            shed.increment();
            return;
        }
        Envelope.Builder answer = inbound.onMessage(msg, packet.sender());
        if (answer != null && msg.getRequestId() != 0) {
            write(packet.sender(), answer.setVersion(Envelopes.VERSION).setRequestId(msg.getRequestId()).build().toByteArray());
        }
    }

    private boolean execute(Runnable task) {
        try {
            loop().execute(task);
            return true;
        } catch (RejectedExecutionException e) {
            return false; // shutting down
        }
    }

    @Override
    public void close() {
        channel.close().awaitUninterruptibly(1000);
        execute(() -> {
            for (Pending p : pending.values()) {
                p.response().completeExceptionally(new IOException("mesh socket closed"));
            }
            pending.clear();
        });
    }
}
