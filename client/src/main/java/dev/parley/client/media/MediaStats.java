package dev.parley.client.media;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Snapshot of a {@link MediaSession}'s counters (cumulative since {@code start}).
 *
 * @param packetsSent      RTP packets sent
 * @param packetsReceived  distinct valid RTP packets received from the remote (including late ones)
 * @param packetsLost      RFC 3550 cumulative loss: expected (sequence span) minus received
 * @param packetsLate      received after their playout slot (dropped, concealed instead)
 * @param packetsDuplicate received more than once (dropped)
 * @param jitterMs         RFC 3550 §6.4.1 interarrival jitter in ms
 * @param bitrateKbps      sent Opus payload bits over the send duration (packets × 20 ms), kbit/s
 * @param framesPlayed     20 ms frames decoded from received packets and written to the sink
 * @param framesConcealed  20 ms frames synthesized by Opus PLC for missing packets
 * @param bytesSent        RTP bytes sent (headers + payload, without UDP/IP)
 * @param durationMs       time since {@code start}, up to {@code close}, in ms
 * @param packetsDiscarded datagrams dropped before playout: malformed, not RTP, from an unexpected address,
 *                         SSRC or payload type, undecodable, queue overflow, or suspicious sequence jumps
 */
public record MediaStats(long packetsSent, long packetsReceived, long packetsLost, long packetsLate,
                         long packetsDuplicate, double jitterMs, double bitrateKbps, long framesPlayed,
                         long framesConcealed, long bytesSent, long durationMs, long packetsDiscarded) {

    /** All zeros: a session that has not started. */
    public static final MediaStats EMPTY = new MediaStats(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);

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
        return m;
    }

    private static double round3(double v) {
        return Math.round(v * 1000) / 1000.0;
    }
}
