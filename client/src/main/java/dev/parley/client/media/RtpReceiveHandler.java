package dev.parley.client.media;

import dev.parley.codec.rtp.MalformedPacketException;
import dev.parley.codec.rtp.Rtcp;
import dev.parley.codec.rtp.RtcpPacket;
import dev.parley.codec.rtp.RtpPacket;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramPacket;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs on the session's Netty event loop: turns datagrams from the expected remote into RTP or
 * RTCP packets stamped with their arrival time and queues them for the media thread. RTP and RTCP
 * share the socket: both have a first byte in 128..191 (RFC 7983), and RTCP is told apart by its
 * second byte, the packet type, in 192..223 (RFC 5761 §4). Everything else is counted and dropped:
 * datagrams before {@code start}, from another address, outside the first-byte range, malformed
 * RTP or RTCP, another payload type, or another SSRC than the first one seen (the remote's stream
 * is latched on its first valid packet).
 */
final class RtpReceiveHandler extends SimpleChannelInboundHandler<DatagramPacket> {
    /** Received packets waiting for the media thread: 1 s of audio; beyond that they are dropped. */
    static final int QUEUE_PACKETS = 50;
    private static final Logger log = LoggerFactory.getLogger(RtpReceiveHandler.class);

    /** A packet and its arrival time on the media clock, in ms. */
    record Inbound(RtpPacket packet, long arrivalMs) {
    }

    /** A compound RTCP packet and its arrival time on the media clock, in ms. */
    record InboundRtcp(List<RtcpPacket> packets, long arrivalMs) {
    }

    /** RTCP packets waiting for the media thread. */
    static final int RTCP_QUEUE_PACKETS = 16;

    /** Notified on the event loop when the first valid packet arrives. */
    interface FirstPacketListener {
        void onFirstPacket();
    }

    private final int payloadType;
    private final LongSupplier clockMs;
    private final FirstPacketListener firstPacketListener;
    private final BlockingQueue<Inbound> queue = new ArrayBlockingQueue<>(QUEUE_PACKETS);
    private final BlockingQueue<InboundRtcp> rtcpQueue = new ArrayBlockingQueue<>(RTCP_QUEUE_PACKETS);
    private final AtomicLong discarded = new AtomicLong();
    private volatile InetSocketAddress remote;
    private long remoteSsrc = -1; // event-loop confined
    /** Arrival of the last accepted RTP packet (media clock, ms), -1 before the first; written on the event loop. */
    private volatile long lastRtpMs = -1;
    /** Longest interval between two accepted RTP packets, ms: the call's worst media gap. */
    private volatile long maxGapMs;
    private boolean loggedGarbage;

    RtpReceiveHandler(int payloadType, LongSupplier clockMs, FirstPacketListener firstPacketListener) {
        this.payloadType = payloadType;
        this.clockMs = clockMs;
        this.firstPacketListener = firstPacketListener;
    }

    /** Starts accepting packets from {@code remote} (any thread). */
    void expect(InetSocketAddress remote) {
        this.remote = remote;
    }

    BlockingQueue<Inbound> queue() {
        return queue;
    }

    BlockingQueue<InboundRtcp> rtcpQueue() {
        return rtcpQueue;
    }

    /** @return the media clock (ms) when the last valid RTP packet arrived, -1 before the first */
    long lastRtpMs() {
        return lastRtpMs;
    }

    /** @return the longest interval between two consecutive valid RTP packets so far, ms */
    long maxGapMs() {
        return maxGapMs;
    }

    long discarded() {
        return discarded.get();
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket datagram) {
        long arrivalMs = clockMs.getAsLong();
        InetSocketAddress expected = remote;
        InetSocketAddress sender = datagram.sender();
        ByteBuf content = datagram.content();
        int length = content.readableBytes();
        if (expected == null || sender == null || sender.getPort() != expected.getPort()
                || !sender.getAddress().equals(expected.getAddress())
                || length == 0 || (content.getUnsignedByte(content.readerIndex()) & 0xC0) != 0x80) {
            discard("unexpected datagram", sender, length);
            return;
        }
        if (length > RtpPacket.MAX_PACKET_BYTES) {
            discard("oversized datagram", sender, length);
            return;
        }
        byte[] bytes = new byte[length];
        content.getBytes(content.readerIndex(), bytes);
        if (Rtcp.isRtcp(bytes, 0, length)) {
            try {
                List<RtcpPacket> packets = Rtcp.decode(bytes, 0, length);
                if (!rtcpQueue.offer(new InboundRtcp(packets, arrivalMs))) {
                    discard("rtcp queue full", sender, length);
                }
            } catch (MalformedPacketException e) {
                discard(e.getMessage(), sender, length);
            }
            return;
        }
        RtpPacket packet;
        try {
            packet = RtpPacket.decode(bytes, 0, length);
        } catch (MalformedPacketException e) {
            discard(e.getMessage(), sender, length);
            return;
        }
        if (packet.payloadType() != payloadType) {
            discard("payloadType " + packet.payloadType(), sender, length);
            return;
        }
        if (remoteSsrc < 0) {
            remoteSsrc = packet.ssrc();
        } else if (packet.ssrc() != remoteSsrc) {
            discard("ssrc " + Long.toHexString(packet.ssrc()), sender, length);
            return;
        }
        if (!queue.offer(new Inbound(packet, arrivalMs))) {
            discard("receive queue full", sender, length);
            return;
        }
        long last = lastRtpMs;
        if (last >= 0 && arrivalMs - last > maxGapMs) {
            maxGapMs = arrivalMs - last;
        }
        lastRtpMs = arrivalMs;
        firstPacketListener.onFirstPacket();
    }

    private void discard(String why, InetSocketAddress sender, int length) {
        discarded.incrementAndGet();
        if (!loggedGarbage) { // once per session: a flood must not flood the log
            loggedGarbage = true;
            log.debug("dropped {} bytes from {}: {}", length, sender, why);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // e.g. PortUnreachableException after ICMP: media keeps flowing, nothing to close.
        log.debug("media socket error: {}", cause.toString());
    }
}
