package dev.parley.nat.transport;

import com.sun.jna.Native;
import com.sun.jna.Pointer;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.jspecify.annotations.Nullable;

/**
 * {@code capacity} {@code struct mmsghdr} for {@link Mmsg}, each with one {@code struct iovec} and
 * room for a {@code struct sockaddr_in6}, in one direct buffer (LP64 Linux layouts: mmsghdr 64
 * bytes, its msghdr's name at 0, namelen at 8, iov at 16, iovlen at 24, msg_len at 56; iovec 16;
 * sockaddr 28, kept at 32), plus, for receiving, {@code capacity} slots of {@code slotBytes} each.
 * Fields are written and read through {@link ByteBuffer} (native order): no native call per field.
 */
final class MmsgArray {
    static final int MMSGHDR_BYTES = 64;
    private static final int IOVEC_BYTES = 16;
    private static final int SOCKADDR_BYTES = 32;
    private static final int SOCKADDR_IN6_LEN = 28;
    private static final int SOCKADDR_IN_LEN = 16;
    private static final short AF_INET = 2;
    private static final short AF_INET6 = 10;

    private final int capacity;
    private final int slotBytes;
    private final ByteBuffer headers;
    /** The same memory, big-endian: the network-order fields of the sockaddrs. */
    private final ByteBuffer network;
    private final long headersAddress;
    private final ByteBuffer data;
    private final long dataAddress;

    /**
     * @param capacity datagrams per call, 1..1024
     * @param slotBytes bytes per received datagram (0: a send-only array, its iovecs set per datagram)
     */
    MmsgArray(int capacity, int slotBytes) {
        if (capacity < 1 || capacity > 1024) {
            throw new IllegalArgumentException(String.format("capacity: %d (expected: 1..1024)", capacity));
        }
        if (slotBytes < 0 || slotBytes > 65_536) {
            throw new IllegalArgumentException(String.format("slotBytes: %d (expected: 0..65536)", slotBytes));
        }
        this.capacity = capacity;
        this.slotBytes = slotBytes;
        headers = ByteBuffer.allocateDirect(capacity * (MMSGHDR_BYTES + IOVEC_BYTES + SOCKADDR_BYTES)).order(ByteOrder.nativeOrder());
        headersAddress = address(headers);
        network = headers.duplicate().order(ByteOrder.BIG_ENDIAN);
        data = ByteBuffer.allocateDirect(Math.max(1, capacity * slotBytes)).order(ByteOrder.nativeOrder());
        dataAddress = address(data);
        for (int i = 0; i < capacity; i++) {
            int h = i * MMSGHDR_BYTES;
            headers.putLong(h, headersAddress + sockaddrAt(i));
            headers.putLong(h + 16, headersAddress + iovecAt(i));
            headers.putLong(h + 24, 1);
            if (slotBytes > 0) {
                headers.putLong(iovecAt(i), dataAddress + (long) i * slotBytes);
                headers.putLong(iovecAt(i) + 8, slotBytes);
            }
        }
    }

    private static long address(ByteBuffer direct) {
        return Pointer.nativeValue(Native.getDirectBufferPointer(direct));
    }

    int capacity() {
        return capacity;
    }

    /** @return the native address of mmsghdr {@code i} */
    long header(int i) {
        return headersAddress + (long) i * MMSGHDR_BYTES;
    }

    private int iovecAt(int i) {
        return capacity * MMSGHDR_BYTES + i * IOVEC_BYTES;
    }

    private int sockaddrAt(int i) {
        return capacity * (MMSGHDR_BYTES + IOVEC_BYTES) + i * SOCKADDR_BYTES;
    }

    /** Before a receive: every header takes a full sockaddr again (the kernel shortens msg_namelen). */
    void prepareReceive(int count) {
        for (int i = 0; i < count; i++) {
            headers.putInt(i * MMSGHDR_BYTES + 8, SOCKADDR_IN6_LEN);
            headers.putInt(i * MMSGHDR_BYTES + 48, 0);
        }
    }

    /** @return bytes received into slot {@code i} (at most {@code slotBytes}: longer ones are truncated) */
    int length(int i) {
        return headers.getInt(i * MMSGHDR_BYTES + 56);
    }

    /** @return the received data (slot {@code i} starts at {@link #offset}) */
    ByteBuffer data() {
        return data;
    }

    int offset(int i) {
        return i * slotBytes;
    }

    /** @return native address of slot {@code i}'s data */
    long dataAddress(int i) {
        return dataAddress + (long) i * slotBytes;
    }

    /**
     * @return the source of datagram {@code i} as Netty reports it (an IPv4-mapped IPv6 source as
     *     IPv4), or null if the kernel gave no IP address
     */
    @Nullable InetSocketAddress sender(int i) {
        int sa = sockaddrAt(i);
        short family = headers.getShort(sa);
        int port = (headers.get(sa + 2) & 0xff) << 8 | headers.get(sa + 3) & 0xff;
        try {
            if (family == AF_INET) {
                byte[] a = new byte[4];
                headers.get(sa + 4, a);
                return new InetSocketAddress(InetAddress.getByAddress(a), port);
            }
            if (family == AF_INET6) {
                byte[] a = new byte[16];
                headers.get(sa + 8, a);
                int scope = headers.getInt(sa + 24);
                InetAddress ip = InetAddress.getByAddress(a); // IPv4-mapped → Inet4Address
                if (scope != 0 && ip instanceof Inet6Address) {
                    ip = Inet6Address.getByAddress(null, a, scope);
                }
                return new InetSocketAddress(ip, port);
            }
        } catch (UnknownHostException e) {
            throw new IllegalStateException("unreachable: fixed-length address", e);
        }
        return null;
    }

    /**
     * @return {@code address << 16 | port} of datagram {@code i}'s source if it is IPv4 (or
     *     IPv4-mapped IPv6), the address read big-endian; else -1
     */
    long ipv4Sender(int i) {
        int sa = sockaddrAt(i);
        short family = headers.getShort(sa);
        int at;
        if (family == AF_INET) {
            at = sa + 4;
        } else if (family == AF_INET6 && network.getLong(sa + 8) == 0 && network.getInt(sa + 16) == 0xffff) {
            at = sa + 20; // ::ffff:a.b.c.d
        } else {
            return -1;
        }
        return (network.getInt(at) & 0xffffffffL) << 16 | network.getShort(sa + 2) & 0xffff;
    }

    /**
     * Sets datagram {@code i} of a send-only array to an IPv4 destination.
     *
     * @param address native address of the payload
     * @param toIpv4 {@code address << 16 | port} (the form of {@link #ipv4Sender})
     * @return true
     */
    boolean setSendIpv4(int i, long address, int length, long toIpv4) {
        int sa = sockaddrAt(i);
        int h = i * MMSGHDR_BYTES;
        headers.putShort(sa, AF_INET);
        network.putShort(sa + 2, (short) toIpv4);
        network.putInt(sa + 4, (int) (toIpv4 >>> 16));
        headers.putLong(sa + 8, 0);
        headers.putInt(h + 8, SOCKADDR_IN_LEN);
        headers.putLong(iovecAt(i), address);
        headers.putLong(iovecAt(i) + 8, length);
        headers.putInt(h + 48, 0);
        return true;
    }

    /**
     * Sets datagram {@code i} of a send-only array.
     *
     * @param address native address of the payload
     * @return false if {@code to} has no IP address this array can write (unresolved)
     */
    boolean setSend(int i, long address, int length, InetSocketAddress to) {
        InetAddress ip = to.getAddress();
        int sa = sockaddrAt(i);
        int h = i * MMSGHDR_BYTES;
        if (ip instanceof Inet4Address) {
            headers.putShort(sa, AF_INET);
            headers.put(sa + 2, (byte) (to.getPort() >>> 8)).put(sa + 3, (byte) to.getPort());
            headers.put(sa + 4, ip.getAddress());
            headers.putLong(sa + 8, 0);
            headers.putInt(h + 8, SOCKADDR_IN_LEN);
        } else if (ip instanceof Inet6Address ip6) {
            headers.putShort(sa, AF_INET6);
            headers.put(sa + 2, (byte) (to.getPort() >>> 8)).put(sa + 3, (byte) to.getPort());
            headers.putInt(sa + 4, 0);
            headers.put(sa + 8, ip6.getAddress());
            headers.putInt(sa + 24, ip6.getScopeId());
            headers.putInt(h + 8, SOCKADDR_IN6_LEN);
        } else {
            return false;
        }
        headers.putLong(iovecAt(i), address);
        headers.putLong(iovecAt(i) + 8, length);
        headers.putInt(h + 48, 0);
        return true;
    }
}
