package dev.parley.client.media;

import dev.parley.codec.rtp.MalformedPacketException;
import dev.parley.codec.rtp.Rtcp;
import dev.parley.codec.rtp.RtcpPacket;
import dev.parley.codec.rtp.RtpPacket;
import dev.parley.codec.srtp.SrtpException;
import dev.parley.codec.srtp.SrtpReceiver;
import dev.parley.codec.srtp.SrtpStats;
import dev.parley.nat.transport.DatagramHandler;
import dev.parley.protocol.PacketKind;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs on the media socket's thread (after {@link MediaSocket#openMedia}): turns datagrams from the expected remote into RTP or
 * RTCP packets stamped with their arrival time and queues them for the media thread. Every packet
 * is SRTP or SRTCP (RFC 3711, AEAD_AES_128_GCM per RFC 7714) and is unprotected first: one that does
 * not authenticate, replays or is malformed is dropped and counted ({@link #srtpStats}). RTP and RTCP
 * share the socket: both have a first byte in 128..191 (RFC 7983), and RTCP is told apart by its
 * second byte, the packet type, in 192..223 (RFC 5761 §4). Everything else is counted and dropped:
 * datagrams before {@code start}, from another address, outside the first-byte range, failing SRTP, malformed
 * RTP or RTCP, another payload type, or another SSRC than the first one seen (the remote's stream
 * is latched on its first valid packet).
 */
final class RtpReceiver implements DatagramHandler {
    /** Received packets waiting for the media thread: 1 s of audio; beyond that they are dropped. */
    static final int QUEUE_PACKETS = 50;
    private static final Logger log = LoggerFactory.getLogger(RtpReceiver.class);

    /** A packet and its arrival time on the media clock, in ms. */
    record Inbound(RtpPacket packet, long arrivalMs) {
    }

    /** A compound RTCP packet and its arrival time on the media clock, in ms. */
    record InboundRtcp(List<RtcpPacket> packets, long arrivalMs) {
    }

    /** RTCP packets waiting for the media thread. */
    static final int RTCP_QUEUE_PACKETS = 16;

    /** Notified on the socket's thread when the first valid packet arrives. */
    interface FirstPacketListener {
        void onFirstPacket();
    }

    private final int payloadType;
    private final LongSupplier clockMs;
    private final FirstPacketListener firstPacketListener;
    private final BlockingQueue<Inbound> queue = new ArrayBlockingQueue<>(QUEUE_PACKETS);
    private final BlockingQueue<InboundRtcp> rtcpQueue = new ArrayBlockingQueue<>(RTCP_QUEUE_PACKETS);
    private final AtomicLong discarded = new AtomicLong();
    private volatile @Nullable InetSocketAddress remote; // until expect
    private volatile @Nullable SrtpReceiver srtp; // until expect
    private long remoteSsrc = -1; // socket thread only
    /** Arrival of the last accepted RTP packet (media clock, ms), -1 before the first; written on the socket's thread. */
    private volatile long lastRtpMs = -1;
    /** Longest interval between two accepted RTP packets, ms: the call's worst media gap. */
    private volatile long maxGapMs;
    private boolean loggedGarbage;

    RtpReceiver(int payloadType, LongSupplier clockMs, FirstPacketListener firstPacketListener) {
        this.payloadType = payloadType;
        this.clockMs = clockMs;
        this.firstPacketListener = firstPacketListener;
    }

    /** Starts accepting packets from {@code remote}, unprotected with {@code srtp} (any thread). */
    void expect(InetSocketAddress remote, SrtpReceiver srtp) {
        this.srtp = srtp;
        this.remote = remote;
    }

    /** Accepts packets from {@code remote} from now on, with the same keys (a new path, any thread). */
    void expect(InetSocketAddress remote) {
        this.remote = remote;
    }

    /** @return the SRTP receiver's counters: packets unprotected and dropped by reason (zeros before start) */
    SrtpStats srtpStats() {
        SrtpReceiver r = srtp;
        return r == null ? new SrtpStats(0, 0, 0, 0, 0, 0) : r.stats();
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
    public boolean onDatagram(InetSocketAddress sender, byte[] datagram) {
        long arrivalMs = clockMs.getAsLong();
        InetSocketAddress expected = remote;
        SrtpReceiver keys = srtp;
        int length = datagram.length;
        if (expected == null || keys == null || sender == null || sender.getPort() != expected.getPort()
                || !sender.getAddress().equals(expected.getAddress())
                || PacketKind.of(datagram) != PacketKind.RTP_OR_RTCP) {
            discard("unexpected datagram", sender, length);
            return true;
        }
        if (length > RtpPacket.MAX_PACKET_BYTES) {
            discard("oversized datagram", sender, length);
            return true;
        }
        boolean rtcp = Rtcp.isRtcp(datagram, 0, length); // the SRTP/SRTCP header is in clear (RFC 3711 §3.1, §3.4)
        byte[] bytes;
        try {
            bytes = rtcp ? keys.unprotectRtcp(datagram, 0, length) : keys.unprotectRtp(datagram, 0, length);
        } catch (SrtpException e) {
            discard("SRTP: " + e.getMessage(), sender, length); // counted by reason in srtpStats too
            return true;
        }
        length = bytes.length;
        if (rtcp) {
            try {
                List<RtcpPacket> packets = Rtcp.decode(bytes, 0, length);
                if (!rtcpQueue.offer(new InboundRtcp(packets, arrivalMs))) {
                    discard("rtcp queue full", sender, length);
                }
            } catch (MalformedPacketException e) {
                discard(e.getMessage(), sender, length);
            }
            return true;
        }
        RtpPacket packet;
        try {
            packet = RtpPacket.decode(bytes, 0, length);
        } catch (MalformedPacketException e) {
            discard(e.getMessage(), sender, length);
            return true;
        }
        if (packet.payloadType() != payloadType) {
            discard("payloadType " + packet.payloadType(), sender, length);
            return true;
        }
        if (remoteSsrc < 0) {
            remoteSsrc = packet.ssrc();
        } else if (packet.ssrc() != remoteSsrc) {
            discard("ssrc " + Long.toHexString(packet.ssrc()), sender, length);
            return true;
        }
        if (!queue.offer(new Inbound(packet, arrivalMs))) {
            discard("receive queue full", sender, length);
            return true;
        }
        long last = lastRtpMs;
        if (last >= 0 && arrivalMs - last > maxGapMs) {
            maxGapMs = arrivalMs - last;
        }
        lastRtpMs = arrivalMs;
        firstPacketListener.onFirstPacket();
        return true;
    }

    private void discard(String why, InetSocketAddress sender, int length) {
        discarded.incrementAndGet();
        if (!loggedGarbage) { // once per session: a flood must not flood the log
            loggedGarbage = true;
            log.debug("dropped {} bytes from {}: {}", length, sender, why);
        }
    }
}
