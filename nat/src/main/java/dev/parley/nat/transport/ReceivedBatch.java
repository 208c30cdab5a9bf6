package dev.parley.nat.transport;

import com.sun.jna.LastErrorException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.socket.DatagramPacket;
import java.net.InetSocketAddress;
import org.jspecify.annotations.Nullable;

/**
 * One {@code recvmmsg(2)} batch read by {@link NativeBatches}, valid only during
 * {@link NativeBatches.Receiver#onBatch}: the datagrams stay in native memory, and
 * {@link #forward} queues one to leave unchanged, with the others forwarded in the same batch, by
 * one {@code sendmmsg(2)} when the receiver returns — no Java object per forwarded datagram. Loop
 * confined.
 */
public final class ReceivedBatch {
    private final MmsgArray in;
    private final MmsgArray out;
    private final int fd;
    private final Channel channel;
    private final @Nullable InetSocketAddress[] queuedTo;
    private final int[] queuedFrom;
    private int size;
    private int queued;
    private long sendErrors;
    private long sentByNetty;

    ReceivedBatch(MmsgArray in, int fd, Channel channel) {
        this.in = in;
        this.out = new MmsgArray(in.capacity(), 0);
        this.fd = fd;
        this.channel = channel;
        this.queuedTo = new InetSocketAddress[in.capacity()];
        this.queuedFrom = new int[in.capacity()];
    }

    void reset(int received) {
        size = received;
        queued = 0;
    }

    /** @return datagrams in the batch */
    public int size() {
        return size;
    }

    /** @return datagram {@code i}'s length, bytes (truncated to the socket's maximum datagram size, as Netty's reads) */
    public int length(int i) {
        return in.length(check(i));
    }

    /** @return byte {@code index} of datagram {@code i}, 0..255, or -1 past its end */
    public int unsignedByte(int i, int index) {
        return index < 0 || index >= length(i) ? -1 : in.data().get(in.offset(i) + index) & 0xff;
    }

    /** @return datagram {@code i}'s source (IPv4-mapped sources as IPv4), or null if it has no IP source */
    public @Nullable InetSocketAddress sender(int i) {
        return in.sender(check(i));
    }

    /**
     * @return datagram {@code i}'s source as {@code address << 16 | port} if it is IPv4 (or
     *     IPv4-mapped IPv6; the 32-bit address read big-endian), else -1: a key that needs no object
     */
    public long ipv4Sender(int i) {
        return in.ipv4Sender(check(i));
    }

    /** @return a copy of datagram {@code i} */
    public byte[] bytes(int i) {
        byte[] b = new byte[length(i)];
        in.data().get(in.offset(i), b);
        return b;
    }

    /** @return a copy of datagram {@code i} in a new buffer from {@code alloc} (the caller owns it) */
    public ByteBuf copy(int i, ByteBufAllocator alloc) {
        int n = length(i);
        ByteBuf b = alloc.directBuffer(n);
        b.writeBytes(in.data().duplicate().position(in.offset(i)).limit(in.offset(i) + n));
        return b;
    }

    /** Queues datagram {@code i} to leave unchanged for {@code to} when the batch ends (sendmmsg). */
    public void forward(int i, InetSocketAddress to) {
        forward(i, to, -1);
    }

    /**
     * As {@link #forward(int, InetSocketAddress)}, with {@code to} also given as {@code address << 16 | port}
     * (the form of {@link #ipv4Sender}; -1 if not IPv4), written as is: no address object is read.
     */
    public void forward(int i, InetSocketAddress to, long toIpv4) {
        if (queued == out.capacity()) {
            flush();
        }
        boolean set = toIpv4 >= 0 ? out.setSendIpv4(queued, in.dataAddress(check(i)), in.length(i), toIpv4)
                : out.setSend(queued, in.dataAddress(check(i)), in.length(i), to);
        if (!set) {
            sendErrors++;
            return;
        }
        queuedTo[queued] = to;
        queuedFrom[queued] = i;
        queued++;
    }

    /** @return datagrams that could not be sent (no IP destination, or the kernel refused one) */
    public long sendErrors() {
        return sendErrors;
    }

    /** @return datagrams handed to Netty's outbound buffer because the socket's send buffer was full */
    public long sentByNetty() {
        return sentByNetty;
    }

    /**
     * Sends what {@link #forward} queued: one {@code sendmmsg} (more after a datagram it refused,
     * which is skipped and counted). If the send buffer is full the rest is copied to Netty's
     * outbound buffer, which waits for the socket to become writable, as Netty's own writes would.
     */
    void flush() {
        int done = 0;
        while (done < queued) {
            int sent;
            try {
                sent = Mmsg.sendmmsg(fd, out.header(done), queued - done, Mmsg.MSG_DONTWAIT);
            } catch (LastErrorException e) {
                int errno = e.getErrorCode();
                if (errno == Mmsg.EINTR) {
                    continue;
                }
                if (errno == Mmsg.EAGAIN || errno == Mmsg.ENOBUFS) {
                    toNetty(done);
                    break;
                }
                sendErrors++;
                sent = 1; // the first one failed: skip it
            }
            done += sent;
        }
        for (int k = 0; k < queued; k++) {
            queuedTo[k] = null;
        }
        queued = 0;
    }

    private void toNetty(int from) {
        for (int k = from; k < queued; k++) {
            channel.write(new DatagramPacket(copy(queuedFrom[k], channel.alloc()), queuedTo[k]), channel.voidPromise());
            sentByNetty++;
        }
        channel.flush();
    }

    private int check(int i) {
        if (i < 0 || i >= size) {
            throw new IndexOutOfBoundsException(String.format("datagram: %d (expected: 0..%d)", i, size - 1));
        }
        return i;
    }
}
