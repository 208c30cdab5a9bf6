package dev.parley.client.media;

import dev.parley.codec.playout.JitterBuffer;
import dev.parley.codec.playout.JitterBufferStats;
import dev.parley.codec.rtp.Rtcp;
import dev.parley.codec.rtp.RtcpPacket;
import dev.parley.codec.rtp.RtcpReportBlock;
import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;
import org.jspecify.annotations.Nullable;

/**
 * One session's RTCP (RFC 3550 §6), confined to the media thread: builds our compound report
 * (SR when we sent RTP since the last report, else RR; a reception report block about the remote
 * stream once it has sent; SDES CNAME) on a randomized schedule, and digests the remote's reports:
 * its SR timestamp for our LSR/DLSR, and its block about our stream for RTT and loss.
 *
 * <p>Timing (§6.3): the first report goes out after about 1 s, then every {@code intervalMs}
 * × U[0.5, 1.5]. All times are ms of the media clock; NTP timestamps come from the caller.
 */
final class RtcpReporter {
    /** What the remote said about our stream in its latest report. */
    record RemoteView(double fractionLost, long cumulativeLost, double jitterMs, double rttMs) {
    }

    private final long ssrc;
    private final String cname;
    private final int intervalMs;
    private final RandomGenerator random;
    private long nextReportMs = Long.MIN_VALUE;
    private long sentAtLastReport = -1;
    private long expectedPrior;
    private long receivedPrior;
    private long remoteSrMiddle32;
    private long remoteSrArrivalMs;
    private boolean haveRemoteSr;
    private @Nullable RemoteView remote;
    private double rttMs = -1;
    private long reportsSent;
    private long reportsReceived;

    RtcpReporter(long ssrc, String cname, int intervalMs, RandomGenerator random) {
        this.ssrc = ssrc;
        this.cname = cname;
        this.intervalMs = intervalMs;
        this.random = random;
    }

    /** @return true if a report is due at {@code nowMs} (the first call schedules the first report) */
    boolean due(long nowMs) {
        if (nextReportMs == Long.MIN_VALUE) {
            nextReportMs = nowMs + (long) (Math.min(1000, intervalMs / 2) * (0.5 + random.nextDouble()));
        }
        return nowMs >= nextReportMs;
    }

    /**
     * Builds our next compound report and schedules the one after.
     *
     * @param nowMs        media clock
     * @param ntpNow       NTP timestamp of now
     * @param rtpTimestamp our RTP timestamp of now (the next packet's)
     * @param packetsSent  RTP packets sent so far
     * @param octetsSent   RTP payload octets sent so far
     * @param buffer       the receive jitter buffer (stream SSRC, counters, highest sequence)
     * @return the encoded compound packet
     */
    byte[] build(long nowMs, long ntpNow, long rtpTimestamp, long packetsSent, long octetsSent, JitterBuffer buffer) {
        List<RtcpReportBlock> blocks = new ArrayList<>(1);
        if (buffer.ssrc() >= 0) {
            JitterBufferStats s = buffer.stats();
            long expected = s.received() + s.lost();
            long expectedInterval = expected - expectedPrior;
            long lostInterval = expectedInterval - (s.received() - receivedPrior);
            expectedPrior = expected;
            receivedPrior = s.received();
            int fraction = expectedInterval <= 0 || lostInterval <= 0 ? 0
                    : (int) Math.min(255, (lostInterval << 8) / expectedInterval);
            int cumulative = (int) Math.min((1 << 23) - 1, s.lost());
            long lsr = haveRemoteSr ? remoteSrMiddle32 : 0;
            long dlsr = haveRemoteSr ? Rtcp.toUnits65536(nowMs - remoteSrArrivalMs) : 0;
            blocks.add(new RtcpReportBlock(buffer.ssrc(), fraction, cumulative, buffer.extendedHighestSequence(),
                    Math.min(0xFFFF_FFFFL, Math.round(s.jitterTimestamps())), lsr, dlsr));
        }
        RtcpPacket report = packetsSent > sentAtLastReport && packetsSent > 0
                ? new RtcpPacket.SenderReport(ssrc, ntpNow, rtpTimestamp, packetsSent & 0xFFFF_FFFFL,
                        octetsSent & 0xFFFF_FFFFL, blocks)
                : new RtcpPacket.ReceiverReport(ssrc, blocks);
        sentAtLastReport = packetsSent;
        nextReportMs = nowMs + (long) (intervalMs * (0.5 + random.nextDouble()));
        reportsSent++;
        return Rtcp.encode(List.of(report, new RtcpPacket.SourceDescription(ssrc, cname)));
    }

    /**
     * Digests a compound packet from the remote.
     *
     * @param packets    its packets
     * @param arrivalMs  arrival on the media clock
     * @param arrivalNtp arrival as NTP timestamp ("A" of RFC 3550 §6.4.1)
     * @return the remote's view of our stream if the packet carried a block about us
     */
    @Nullable RemoteView onReceive(List<RtcpPacket> packets, long arrivalMs, long arrivalNtp) {
        reportsReceived++;
        RemoteView view = null;
        for (RtcpPacket p : packets) {
            List<RtcpReportBlock> blocks = List.of();
            if (p instanceof RtcpPacket.SenderReport sr) {
                remoteSrMiddle32 = Rtcp.middle32(sr.ntpTimestamp());
                remoteSrArrivalMs = arrivalMs;
                haveRemoteSr = true;
                blocks = sr.blocks();
            } else if (p instanceof RtcpPacket.ReceiverReport rr) {
                blocks = rr.blocks();
            }
            for (RtcpReportBlock b : blocks) {
                if (b.ssrc() == ssrc) {
                    double rtt = b.roundTripMs(Rtcp.middle32(arrivalNtp));
                    if (rtt >= 0) {
                        rttMs = rtt;
                    }
                    view = new RemoteView(b.fractionLostRatio(), b.cumulativeLost(),
                            b.jitter() / 48.0, rttMs);
                    remote = view;
                }
            }
        }
        return view;
    }

    /** @return the latest RTT, ms, or -1 before the remote echoed one of our SRs */
    double rttMs() {
        return rttMs;
    }

    /** @return the remote's latest view of our stream, if any */
    @Nullable RemoteView remote() {
        return remote;
    }

    long reportsSent() {
        return reportsSent;
    }

    long reportsReceived() {
        return reportsReceived;
    }
}
