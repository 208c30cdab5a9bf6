package dev.parley.login;

import dev.parley.protocol.ControlConnection;
import dev.parley.protocol.HostPort;
import dev.parley.protocol.tls.KeyVerifier;
import dev.parley.protocol.tls.Tls;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.nio.NioDatagramChannel;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongSupplier;

/**
 * Proves a serve candidate reachable from outside (docs/security.md "Promoted clients"): a TCP
 * connection to its serve port whose TLS handshake must present the candidate's node key, and one
 * {@value #DATAGRAM_BYTES}-byte UDP datagram ({@code "PRLYPRB1"} + a 16-byte nonce) whose nonce the
 * candidate reports back over its authenticated offer connection.
 *
 * <p>Not an amplifier: probes go only to the address the offer's TCP connection comes from (the
 * {@link Promoter} checks it), within {@link LoginLimits.ProbeLimits} per source address and in all
 * (by default 3 per address then one every 20 s, and 5 a second in all, burst 20); a probe is one
 * TCP handshake and one small datagram. The UDP socket reads only the upload bursts the
 * {@link UploadMeter} measures (after a right echo); it answers each burst once, with fewer bytes
 * than one of its datagrams, and nothing else.
 *
 * <p>Thread-safe: {@link #admit} is synchronized; sending is one datagram written on the socket's event loop.
 */
final class ReachabilityProbe implements AutoCloseable {
    /** The probe datagram's first 8 bytes. */
    static final byte[] MAGIC = "PRLYPRB1".getBytes(StandardCharsets.US_ASCII);
    /** Bytes of the nonce in a probe datagram. */
    static final int NONCE_BYTES = 16;
    /** Bytes of a probe datagram. */
    static final int DATAGRAM_BYTES = 24;
    /** @return the probe rates */
    LoginLimits.ProbeLimits limits() {
        return limits;
    }

    /** Source addresses whose buckets are remembered (least recently used evicted). */
    static final int MAX_ADDRESSES = 4096;
    /** How long the TCP connection and TLS handshake may take. */
    static final Duration TCP_TIMEOUT = Duration.ofSeconds(3);

    private final EventLoopGroup group;
    private final Channel udp;
    private final UploadMeter meter;
    private final LongSupplier nanos;
    private final LoginLimits.ProbeLimits limits;
    private TokenBucket global; // guarded by this
    private final Map<String, TokenBucket> perAddress = new LinkedHashMap<>(16, 0.75f, true) { // guarded by this
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, TokenBucket> eldest) {
            return size() > MAX_ADDRESSES;
        }
    };

    /**
     * @param group event loops for the TCP probes
     * @param nanos monotonic clock of the rate limits, ns
     * @param limits the probe rates
     * @throws IOException if the sending UDP socket cannot be opened
     */
    ReachabilityProbe(EventLoopGroup group, LongSupplier nanos, LoginLimits.ProbeLimits limits) throws IOException {
        this.group = group;
        this.nanos = nanos;
        this.limits = limits;
        this.global = TokenBucket.full(limits.burst(), nanos.getAsLong());
        this.meter = new UploadMeter(nanos, limits);
        ChannelFuture bound = new Bootstrap().group(group).channel(NioDatagramChannel.class).handler(meter)
                .bind(0).awaitUninterruptibly();
        if (!bound.isSuccess()) {
            throw new IOException("cannot open the probe's UDP socket: " + bound.cause().getMessage(), bound.cause());
        }
        this.udp = bound.channel();
    }

    /** @return the meter of the upload bursts that arrive on the probe socket */
    UploadMeter meter() {
        return meter;
    }

    /** @return the probe socket's port (where probe datagrams come from and bursts go) */
    int udpPort() {
        return ((InetSocketAddress) udp.localAddress()).getPort();
    }

    /** @return whether a probe of {@code source} is within the per-address and global rates (and takes a token of each) */
    synchronized boolean admit(String source) {
        long now = nanos.getAsLong();
        TokenBucket mine = perAddress.getOrDefault(source, TokenBucket.full(limits.perAddressBurst(), now))
                .refill(limits.perAddressBurst(), 1e9 / limits.perAddressPeriod().toNanos(), now);
        global = global.refill(limits.burst(), limits.perSecond(), now);
        if (!mine.hasToken() || !global.hasToken()) {
            perAddress.put(source, mine);
            return false;
        }
        perAddress.put(source, mine.take());
        global = global.take();
        return true;
    }

    /**
     * Opens TCP to {@code target} and completes the TLS handshake only if it presents {@code nodeKey}.
     *
     * @return completes normally when it did, exceptionally (IOException) when not
     */
    CompletableFuture<Void> tcp(HostPort target, byte[] nodeKey) {
        return ControlConnection.connect(group, target, Tls.client(KeyVerifier.pinned(nodeKey, "serve candidate")),
                push -> { }, TCP_TIMEOUT).thenAccept(ControlConnection::close);
    }

    /** Sends one probe datagram carrying {@code nonce} ({@value #NONCE_BYTES} bytes) to {@code target}. */
    void udp(InetSocketAddress target, byte[] nonce) {
        byte[] datagram = ByteBuffer.allocate(DATAGRAM_BYTES).put(MAGIC).put(nonce, 0, NONCE_BYTES).array();
        // A failed send (unreachable, no route) leaves the candidate without an echo: not eligible.
        udp.writeAndFlush(new DatagramPacket(Unpooled.wrappedBuffer(datagram), target));
    }

    @Override
    public void close() {
        udp.close();
    }
}
