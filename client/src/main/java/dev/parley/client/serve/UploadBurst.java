package dev.parley.client.serve;

import dev.parley.protocol.ProtocolException;
import dev.parley.protocol.UploadBursts;
import dev.parley.protocol.wire.ServeBurst;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.socket.DatagramPacket;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A serve candidate's upload burst (docs/protocol.md "Serving clients"): the datagrams the login
 * server asked for ({@code ServeBurst}, checked by {@link UploadBursts#check}: a candidate never
 * sends more than {@value UploadBursts#MAX_DATAGRAMS} datagrams, whoever asks), paced at the stated
 * share so the login server measures whether the uplink carries it: as many datagrams as that rate
 * fills in the burst's duration, at least {@value #MIN_DATAGRAMS} (the login server's minimum) and at
 * most what it asked for, each sent when it is due. Runs on the serve socket's event loop (one task
 * per due batch, ≥ 1 ms apart).
 */
final class UploadBurst {
    /** Datagrams sent at least (fewer measure nothing at the login server). */
    static final int MIN_DATAGRAMS = 8;

    private final Channel udp;
    private final InetSocketAddress to;
    private final byte[] nonce;
    private final int bytes;
    private final int count;
    private final long intervalNanos;
    private final CompletableFuture<Integer> done = new CompletableFuture<>();
    private long startNanos;
    private int sent;

    private UploadBurst(Channel udp, InetSocketAddress to, byte[] nonce, int bytes, int count, long intervalNanos) {
        this.udp = udp;
        this.to = to;
        this.nonce = nonce.clone();
        this.bytes = bytes;
        this.count = count;
        this.intervalNanos = intervalNanos;
    }

    /**
     * @param udp the serve port's UDP channel (the burst comes from the probed address)
     * @param to the login server's probe socket
     * @param nonce the probe's 16-byte nonce
     * @param spec what the login server asked for
     * @param paceKbps the rate, kbit/s (positive)
     * @return completes with the number of datagrams sent, or exceptionally (ProtocolException) if
     *     {@code spec} asks for more than a candidate sends
     */
    static CompletableFuture<Integer> send(Channel udp, InetSocketAddress to, byte[] nonce, ServeBurst spec, int paceKbps) {
        try {
            UploadBursts.check(spec);
        } catch (ProtocolException e) {
            return CompletableFuture.failedFuture(e);
        }
        int bytes = spec.getDatagramBytes();
        long bitsInDuration = (long) Math.max(1, paceKbps) * spec.getDurationMs(); // kbit/s × ms = bits
        int count = (int) Math.min(spec.getMaxDatagrams(), Math.max(MIN_DATAGRAMS, bitsInDuration / (8L * bytes)));
        long intervalNanos = 8L * bytes * 1_000_000 / Math.max(1, paceKbps); // bits / (kbit/s) = ms
        UploadBurst burst = new UploadBurst(udp, to, nonce, bytes, count, intervalNanos);
        udp.eventLoop().execute(burst::start);
        return burst.done;
    }

    private void start() {
        startNanos = System.nanoTime();
        next();
    }

    private void next() {
        if (!udp.isActive()) {
            done.complete(sent);
            return;
        }
        long due = Math.min(count, (System.nanoTime() - startNanos) / intervalNanos + 1);
        while (sent < due) {
            boolean last = sent == count - 1;
            udp.write(new DatagramPacket(Unpooled.wrappedBuffer(UploadBursts.datagram(nonce, sent, last, bytes)), to));
            sent++;
        }
        udp.flush();
        if (sent >= count) {
            done.complete(sent);
            return;
        }
        long waitNanos = startNanos + sent * intervalNanos - System.nanoTime();
        udp.eventLoop().schedule(this::next, Math.max(TimeUnit.MILLISECONDS.toNanos(1), waitNanos), TimeUnit.NANOSECONDS);
    }
}
