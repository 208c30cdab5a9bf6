package dev.parley.client.media;

import dev.parley.codec.quality.EModel;
import dev.parley.codec.srtp.SrtpStats;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Snapshot of a {@link MediaSession}'s counters (cumulative since {@code start}) and quality estimates.
 *
 * @param packetsSent          RTP packets sent
 * @param packetsReceived      distinct valid RTP packets received from the remote (including late ones)
 * @param packetsLost          RFC 3550 cumulative loss: expected (sequence span) minus received (before FEC)
 * @param packetsLate          received after their playout slot (dropped, concealed instead)
 * @param packetsDuplicate     received more than once (dropped)
 * @param jitterMs             RFC 3550 §6.4.1 interarrival jitter in ms
 * @param bitrateKbps          sent Opus payload bits over the send duration (packets × 20 ms), kbit/s
 * @param framesPlayed         20 ms frames decoded from received packets and written to the sink
 * @param framesConcealed      20 ms frames synthesized by Opus PLC for packets missing after FEC (lost or late)
 * @param bytesSent            RTP bytes sent (headers + payload, without UDP/IP)
 * @param durationMs           time since {@code start}, up to {@code close}, in ms
 * @param packetsDiscarded     datagrams dropped before playout: malformed, not RTP/RTCP, from an unexpected address,
 *                             SSRC or payload type, undecodable, queue overflow, or suspicious sequence jumps
 * @param fecRecovered         lost frames decoded from the next packet's Opus in-band FEC
 * @param framesExpanded       PLC frames inserted to grow the jitter-buffer delay
 * @param framesAccelerated    frames dropped to shrink the jitter-buffer delay
 * @param framesDtx            slots the sender left empty (DTX), played as fading PLC
 * @param jitterBufferTargetMs the jitter buffer's current target delay, ms
 * @param jitterBufferMs       mean time received packets waited in the jitter buffer, ms
 * @param rttMs                round-trip time from the last RTCP report about our stream (RFC 3550 §6.4.1), -1 if unknown
 * @param remoteLossPct        loss the peer reported about our stream in its last report, %, -1 if none yet
 * @param bitrateTargetKbps    the encoder's current target bitrate, kbit/s
 * @param expectedLossPct      the packet loss the encoder is configured to expect (drives its FEC), %
 * @param rtcpSent             RTCP compound packets sent
 * @param rtcpReceived         valid RTCP compound packets received from the remote
 * @param burstRatio           G.107 burst ratio of the concealed frames (1 = random)
 * @param srtp                 SRTP/SRTCP packets unprotected and dropped (by reason: authentication, replay,
 *                             malformed, unknown stream); the drops are in {@code packetsDiscarded} too
 */
public record MediaStats(long packetsSent, long packetsReceived, long packetsLost, long packetsLate,
                         long packetsDuplicate, double jitterMs, double bitrateKbps, long framesPlayed,
                         long framesConcealed, long bytesSent, long durationMs, long packetsDiscarded,
                         long fecRecovered, long framesExpanded, long framesAccelerated, long framesDtx,
                         int jitterBufferTargetMs, double jitterBufferMs, double rttMs, double remoteLossPct,
                         int bitrateTargetKbps, int expectedLossPct, long rtcpSent, long rtcpReceived,
                         double burstRatio, SrtpStats srtp) {

    /** All zeros: a session that has not started. */
    public static final MediaStats EMPTY = new MediaStats(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, -1, -1, 0,
            0, 0, 0, 1, new SrtpStats(0, 0, 0, 0, 0, 0));

    /** @return SRTP and SRTCP packets dropped: not authentic, replayed, malformed or of an unknown stream */
    public long srtpDropped() {
        return srtp.droppedTotal();
    }

    /** @return packets lost in the network (before FEC) over packets expected, % */
    public double lossPct() {
        long expected = packetsReceived + packetsLost;
        return expected == 0 ? 0 : 100.0 * packetsLost / expected;
    }

    /** @return concealed frames over played-out audio frames (decoded + FEC + concealed), 0..1: the loss after FEC */
    public double concealedRatio() {
        long slots = framesPlayed + fecRecovered + framesConcealed;
        return slots == 0 ? 0 : (double) framesConcealed / slots;
    }

    /**
     * @return estimated one-way mouth-to-ear delay, ms: half the RTT (0 if unknown) + jitter-buffer
     *     delay + {@link EModel#CODEC_DELAY_MS}
     */
    public double mouthToEarMs() {
        return Math.max(0, rttMs) / 2 + jitterBufferMs + EModel.CODEC_DELAY_MS;
    }

    /**
     * @return the G.107 E-model MOS estimate from {@link #mouthToEarMs} and the loss after FEC
     *     ({@link EModel#callMos}); 1.0, the scale's floor, when no audio was received at all (a call
     *     that never connected is not "good")
     */
    public double mos() {
        return packetsReceived == 0 ? 1.0 : EModel.callMos(mouthToEarMs(), 100 * concealedRatio(), burstRatio);
    }

    /** @return one status line, e.g. {@code "rtt 2 ms | loss 10.1% -> 1.9% after FEC (52 recovered) | ..."} */
    public String statusLine() {
        return String.format(Locale.ROOT,
                "rtt %s | loss %.1f%% -> %.1f%% after FEC (%d recovered) | late %d | jitter %.1f ms | buffer %.0f ms (target %d) "
                        + "| concealed %.1f%% | send %d kbps%s | MOS %.2f",
                rttMs < 0 ? "?" : String.format(Locale.ROOT, "%.0f ms", rttMs), lossPct(), 100 * concealedRatio(), fecRecovered,
                packetsLate, jitterMs, jitterBufferMs, jitterBufferTargetMs, 100 * concealedRatio(), bitrateTargetKbps,
                expectedLossPct > 0 ? " (FEC for " + expectedLossPct + "%)" : "", mos());
    }

    /** @return the stats as a JSON-ready map with snake_case keys, doubles rounded to 3 decimals */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("packets_sent", packetsSent);
        m.put("packets_received", packetsReceived);
        m.put("packets_lost", packetsLost);
        m.put("packets_late", packetsLate);
        m.put("packets_duplicate", packetsDuplicate);
        m.put("packets_discarded", packetsDiscarded);
        m.put("jitter_ms", round3(jitterMs));
        m.put("bitrate_kbps", round3(bitrateKbps));
        m.put("frames_played", framesPlayed);
        m.put("frames_concealed", framesConcealed);
        m.put("bytes_sent", bytesSent);
        m.put("duration_ms", durationMs);
        m.put("loss_pct", round3(lossPct()));
        m.put("loss_after_fec_pct", round3(100 * concealedRatio()));
        m.put("fec_recovered", fecRecovered);
        m.put("concealed_ratio", round3(concealedRatio()));
        m.put("frames_expanded", framesExpanded);
        m.put("frames_accelerated", framesAccelerated);
        m.put("frames_dtx", framesDtx);
        m.put("jitter_buffer_ms", round3(jitterBufferMs));
        m.put("jitter_buffer_target_ms", jitterBufferTargetMs);
        m.put("rtt_ms", round3(rttMs));
        m.put("remote_loss_pct", round3(remoteLossPct));
        m.put("bitrate_target_kbps", bitrateTargetKbps);
        m.put("expected_loss_pct", expectedLossPct);
        m.put("rtcp_sent", rtcpSent);
        m.put("rtcp_received", rtcpReceived);
        m.put("burst_ratio", round3(burstRatio));
        m.put("srtp_packets", srtp.rtpPackets());
        m.put("srtcp_packets", srtp.rtcpPackets());
        m.put("srtp_dropped", srtp.droppedTotal());
        m.put("srtp_dropped_authentication", srtp.droppedAuthentication());
        m.put("srtp_dropped_replay", srtp.droppedReplay());
        m.put("mouth_to_ear_ms", round3(mouthToEarMs()));
        m.put("mos", round3(mos()));
        return m;
    }

    private static double round3(double v) {
        return Math.round(v * 1000) / 1000.0;
    }
}
