package dev.parley.nat.transport;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.IoEventLoopGroup;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.nio.NioDatagramChannel;

/**
 * A UDP socket that receives and sends datagrams in batches, for the super node's relay socket
 * (docs/nat.md "Relays"): on an epoll group ({@link UdpEndpoint#newEventLoopGroup}) a native
 * {@link EpollDatagramChannel} that reads with {@code recvmmsg(2)} — up to {@code batch} datagrams
 * per system call, each a slice of one pooled direct buffer (no copy) — and writes the datagrams
 * flushed together with {@code sendmmsg(2)}; on any other group a {@link NioDatagramChannel}, one
 * datagram per system call.
 */
public final class BatchedUdp {
    private BatchedUdp() {}

    /** @return true if {@code group} runs epoll (native Linux) loops */
    public static boolean isEpoll(EventLoopGroup group) {
        return group instanceof IoEventLoopGroup io && io.isIoType(EpollIoHandler.class);
    }

    /** @return a new, unregistered datagram channel of the kind {@code group} runs */
    public static DatagramChannel newChannel(EventLoopGroup group) {
        return isEpoll(group) ? new EpollDatagramChannel() : new NioDatagramChannel();
    }

    /**
     * Sets the receive options on {@code b}.
     *
     * @param maxDatagramBytes the largest datagram to take whole; a larger one arrives truncated to
     *     this size (so pass one more than the largest accepted, to tell oversized ones apart)
     * @param batch datagrams per {@code recvmmsg(2)} on epoll, 1..1024 (ignored on NIO)
     * @return {@code b}
     * @throws IllegalArgumentException if a bound is out of range
     */
    public static Bootstrap receiveBatches(Bootstrap b, EventLoopGroup group, int maxDatagramBytes, int batch) {
        if (maxDatagramBytes < 1 || maxDatagramBytes > 65_536) {
            throw new IllegalArgumentException(String.format("maxDatagramBytes: %d (expected: 1..65536)", maxDatagramBytes));
        }
        if (batch < 1 || batch > 1024) {
            throw new IllegalArgumentException(String.format("batch: %d (expected: 1..1024)", batch));
        }
        if (!isEpoll(group)) {
            return b.option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(maxDatagramBytes));
        }
        // Netty's EpollDatagramChannel uses recvmmsg when MAX_DATAGRAM_PAYLOAD_SIZE > 0 and the read
        // buffer holds more than one datagram of that size: it splits the buffer into that many slots.
        // NativeBatches, when a handler installs it, reads the same batches with its own recvmmsg.
        return b.attr(NativeBatches.BATCH, batch).option(EpollChannelOption.MAX_DATAGRAM_PAYLOAD_SIZE, maxDatagramBytes)
                .option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(maxDatagramBytes * batch));
    }
}
