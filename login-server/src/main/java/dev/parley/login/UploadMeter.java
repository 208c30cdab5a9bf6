package dev.parley.login;

import dev.parley.protocol.UploadBursts;
import dev.parley.protocol.wire.ServeBurst;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramPacket;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;

/**
 * Measures a serve candidate's upload (docs/architecture.md "Self-organizing overlay"): after its
 * probe echo, the candidate sends a paced burst ({@link #BURST}) from its serve port to the probe
 * socket; this handler, on that socket, counts the bytes of the datagrams that carry the candidate's
 * nonce and come from its serve address, and the estimate is what arrived:
 * {@code bytes after the first datagram × 8 / max(time from the first to the last, }{@value #MIN_ELAPSED_MS}{@code  ms)}.
 * A candidate cannot claim more than it delivers: fewer than {@value #MIN_DATAGRAMS} datagrams
 * measure 0, and the floor on the elapsed time caps what a handful of datagrams sent back to back can
 * show ({@value #MAX_DATAGRAMS} × {@value #DATAGRAM_BYTES} bytes in {@value #MIN_ELAPSED_MS} ms: about 10 Mbit/s).
 *
 * <p>Not a flood target nor an amplifier: only measurements the {@link Promoter} opened (after a
 * rate-limited probe and a right echo) count, at most {@link #maxMeasurements} at once, each
 * closes after {@value #MAX_DATAGRAMS} datagrams, {@value #FIRST_DATAGRAM_MS} ms after the echo
 * if none came, or {@value #BURST_MS} ms after the first; every other datagram is
 * dropped unanswered after a size and magic check and one map lookup. The one answer
 * ({@value UploadBursts#ANSWER_BYTES} bytes, fewer than one burst datagram) goes to the candidate's
 * probed serve address, only if at least one of its datagrams arrived.
 *
 * <p>A measurement is opened by {@link #measure} before the echo is answered (one caller: the
 * {@link Promoter}'s thread); its counts and deadlines are confined to the probe socket's event loop.
 */
final class UploadMeter extends SimpleChannelInboundHandler<DatagramPacket> {
    /** Datagrams of a burst at most. */
    static final int MAX_DATAGRAMS = 110;
    /** Bytes of each burst datagram (below a 1,500-byte MTU with headers). */
    static final int DATAGRAM_BYTES = 1_200;
    /** How long a burst is paced over at most, ms. */
    static final int DURATION_MS = 500;
    /** What the candidate is asked to send. */
    static final ServeBurst BURST = ServeBurst.newBuilder().setMaxDatagrams(MAX_DATAGRAMS)
            .setDatagramBytes(DATAGRAM_BYTES).setDurationMs(DURATION_MS).build();
    /**
     * How long after the echo the first datagram may arrive, ms: the echo's answer and the burst's start
     * cross a loaded candidate's event loop, which can take a second or more.
     */
    static final long FIRST_DATAGRAM_MS = 2_000;
    /** How long after the first datagram the measurement closes at the latest (the burst, slack), ms. */
    static final long BURST_MS = DURATION_MS + 1_000;
    /** How long after the echo a measurement closes at the latest, ms. */
    static final long WINDOW_MS = FIRST_DATAGRAM_MS + BURST_MS;
    /** Datagrams that must arrive for an estimate other than 0. */
    static final int MIN_DATAGRAMS = 8;
    /** The shortest time an estimate divides by, ms. */
    static final long MIN_ELAPSED_MS = 100;
    /** Measurements open at once at least and at most, whatever the probe rates ({@link #maxMeasurements}). */
    static final int MIN_OPEN = 64;
    static final int MAX_OPEN = 4_096;

    /**
     * What a burst delivered.
     *
     * @param kbps the estimated upload, kbit/s (0: not enough arrived)
     * @param datagrams burst datagrams counted
     * @param bytes their bytes
     */
    record Estimate(int kbps, int datagrams, long bytes) {
        static final Estimate NONE = new Estimate(0, 0, 0);
    }

    /** One open measurement (event loop only). */
    private static final class Measurement {
        final byte[] nonce;
        final InetSocketAddress from;
        final CompletableFuture<Estimate> result = new CompletableFuture<>();
        @Nullable ScheduledFuture<?> deadline;
        int datagrams;
        long bytes;
        long bytesAfterFirst;
        long firstNanos;
        long lastNanos;

        Measurement(byte[] nonce, InetSocketAddress from) {
            this.nonce = nonce;
            this.from = from;
        }
    }

    private final LongSupplier nanos;
    private final int maxOpen;
    /** Opened by {@link #measure} (one caller thread), read and closed on the event loop. */
    private final Map<ByteBuffer, Measurement> open = new ConcurrentHashMap<>();
    private volatile @Nullable Channel channel;

    /**
     * @param nanos monotonic clock of the arrival times, ns
     * @param limits the probe rates, which bound how many measurements can be open at once
     */
    UploadMeter(LongSupplier nanos, LoginLimits.ProbeLimits limits) {
        this.nanos = nanos;
        this.maxOpen = maxMeasurements(limits);
    }

    /**
     * @return measurements open at once at most: twice the probes the rates admit within one window
     *     ({@code burst + perSecond × WINDOW_MS}), between {@value #MIN_OPEN} and {@value #MAX_OPEN}
     *     (75 with the default rates; a bot fleet's raised rates get more)
     */
    static int maxMeasurements(LoginLimits.ProbeLimits limits) {
        double perWindow = limits.burst() + limits.perSecond() * WINDOW_MS / 1000.0;
        return (int) Math.max(MIN_OPEN, Math.min(MAX_OPEN, 2 * perWindow));
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        channel = ctx.channel();
    }

    /**
     * Opens a measurement of the burst carrying {@code nonce} from {@code from}.
     *
     * @return completes with the estimate when the last datagram arrived or the window closed;
     *     {@link Estimate#NONE} at once if {@link #maxMeasurements} are open already or the nonce is in use
     */
    CompletableFuture<Estimate> measure(byte[] nonce, InetSocketAddress from) {
        Channel ch = channel;
        if (ch == null) {
            return CompletableFuture.completedFuture(Estimate.NONE);
        }
        Measurement m = new Measurement(nonce.clone(), from);
        // Open now, not in a task on the event loop: the caller answers the echo next, and a loaded
        // event loop would read the first datagrams of the burst before such a task ran.
        if (open.size() >= maxOpen || open.putIfAbsent(ByteBuffer.wrap(m.nonce), m) != null) {
            return CompletableFuture.completedFuture(Estimate.NONE);
        }
        ch.eventLoop().execute(() -> {
            if (open.get(ByteBuffer.wrap(m.nonce)) == m && m.datagrams == 0) {
                m.deadline = ch.eventLoop().schedule(() -> close(ch, m), FIRST_DATAGRAM_MS, TimeUnit.MILLISECONDS);
            }
        });
        return m.result;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
        ByteBuf content = packet.content();
        int size = content.readableBytes();
        if (size != DATAGRAM_BYTES || open.isEmpty()) {
            return;
        }
        UploadBursts.Datagram d = UploadBursts.parseDatagram(ByteBufUtil.getBytes(content, content.readerIndex(),
                UploadBursts.HEADER_BYTES, true));
        if (d == null) {
            return;
        }
        Measurement m = open.get(ByteBuffer.wrap(d.nonce()));
        if (m == null || !m.from.equals(packet.sender())) {
            return; // a stranger's, or from another address than the probed serve port
        }
        long now = nanos.getAsLong();
        if (m.datagrams == 0) {
            m.firstNanos = now;
            // The burst started: its own window, however late it started (the pace is what is measured).
            if (m.deadline != null) {
                m.deadline.cancel(false);
            }
            m.deadline = ctx.channel().eventLoop().schedule(() -> close(ctx.channel(), m), BURST_MS, TimeUnit.MILLISECONDS);
        } else {
            m.bytesAfterFirst += size;
        }
        m.lastNanos = now;
        m.datagrams++;
        m.bytes += size;
        if (d.last() || m.datagrams >= MAX_DATAGRAMS) {
            close(ctx.channel(), m);
        }
    }

    private void close(Channel ch, Measurement m) {
        if (open.remove(ByteBuffer.wrap(m.nonce)) == null) {
            return;
        }
        if (m.deadline != null) {
            m.deadline.cancel(false);
        }
        Estimate e = estimate(m.datagrams, m.bytes, m.bytesAfterFirst, m.lastNanos - m.firstNanos);
        if (m.datagrams > 0) { // one answer, smaller than one datagram received, to the probed address only
            ch.writeAndFlush(new DatagramPacket(Unpooled.wrappedBuffer(UploadBursts.answer(m.nonce, e.kbps(),
                    e.datagrams())), m.from));
        }
        m.result.complete(e);
    }

    /** @return the estimate of {@code datagrams} whose bytes after the first arrived over {@code elapsedNanos} */
    static Estimate estimate(int datagrams, long bytes, long bytesAfterFirst, long elapsedNanos) {
        if (datagrams < MIN_DATAGRAMS) {
            return new Estimate(0, datagrams, bytes);
        }
        double elapsedMs = Math.max(MIN_ELAPSED_MS, elapsedNanos / 1e6);
        return new Estimate((int) Math.min(Integer.MAX_VALUE, bytesAfterFirst * 8 / elapsedMs), datagrams, bytes);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // ICMP unreachable and the like on a datagram socket: nothing to close
    }
}
