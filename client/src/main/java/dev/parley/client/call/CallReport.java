package dev.parley.client.call;

import dev.parley.client.media.MediaStats;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * What happened in one call, from one side.
 *
 * @param callId the call's id
 * @param peer the other party's username
 * @param outgoing true if this side placed the call
 * @param connected true if media flowed from the peer (at least one RTP packet received)
 * @param setupMs caller: INVITE sent → first RTP packet received; callee: ACCEPT sent → first RTP
 *     packet received; -1 when never connected
 * @param end why the call ended
 * @param endDetail more for the user: the peer's words on a decline, an error message; empty if none
 * @param durationMs time from call start (INVITE sent or received) to end, in ms
 * @param media media statistics; none when media never started
 * @param path how media flowed: {@code direct}, {@code hole-punched}, {@code relay-udp} or
 *     {@code relay-tcp} (docs/nat.md); none when no candidate pair was selected
 * @param pathSetupMs connectivity checks started → pair selected, in ms; -1 without a path
 * @param mediaGapMs the longest interval between two RTP packets received from the peer, in ms
 *     (a path failover shows here); -1 when not measured
 * @param pathHistory every path media took, in order: more than one after a failover
 * @param security the call's SAS and cipher suite; none if its keys were never agreed
 */
public record CallReport(String callId, String peer, boolean outgoing, boolean connected, long setupMs,
        EndReason end, String endDetail, long durationMs, @Nullable MediaStats media, @Nullable String path, long pathSetupMs, long mediaGapMs,
        List<String> pathHistory, @Nullable CallSecurity security) {

    /** Compact constructor: copies the history. */
    public CallReport {
        endDetail = endDetail == null ? "" : endDetail;
        pathHistory = pathHistory == null ? List.of() : List.copyOf(pathHistory);
    }

    /**
     * A call that never started (no session: e.g. the user is not online).
     *
     * @return a report with no media and no path
     */
    public static CallReport notStarted(String peer, EndReason end, String detail) {
        return new CallReport("", peer, true, false, -1, end, detail, 0, null, null, -1, -1, List.of(), null);
    }

    /**
     * @return the user-facing end reason: the reason's text, then the detail if it adds anything
     *     ("declined by the callee: in a meeting"; a peer's stock words such as "hung up" or "declined"
     *     are left out, and "with NAME ..." follows without a colon: "already in a call with bob; ...")
     */
    public String endReason() {
        if (endDetail.isEmpty() || endDetail.equalsIgnoreCase(end.text()) || isStockText(endDetail)) {
            return end.text();
        }
        return end.text() + (endDetail.startsWith("with ") ? " " : ": ") + endDetail;
    }

    /** @return true if {@code text} is some end reason's own text (what older peers send as their BYE or REJECT reason) */
    private static boolean isStockText(String text) {
        for (EndReason r : EndReason.values()) {
            if (r.text().equalsIgnoreCase(text)) {
                return true;
            }
        }
        return false;
    }

    /** @return true for an incoming call that rang and was never answered: the caller gave up, it rang out, or the caller's connection was lost */
    public boolean missed() {
        return !outgoing && !connected && (end == EndReason.REMOTE_CANCELLED || end == EndReason.NOT_ANSWERED
                || end == EndReason.PEER_LOST);
    }

    /** @return how often media moved to a new path after the first one (docs/nat.md "Path failover") */
    public int pathChanges() {
        return Math.max(0, pathHistory.size() - 1);
    }

    /**
     * @return the report as JSON-ready map with snake_case keys: {@code connected}, {@code setup_ms}, {@code end}, {@code end_reason},
     *     {@code encrypted}, {@code cipher_suite}, {@code sas}, {@code peer_fingerprint}, {@code path}, {@code path_setup_ms},
     *     {@code packets_sent}, {@code packets_received}, {@code packets_lost}, {@code jitter_ms},
     *     {@code bitrate_kbps}, … (media keys are present only when media started); {@code mos} is null
     *     when the call never connected
     */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("call_id", callId);
        m.put("peer", peer);
        m.put("direction", outgoing ? "outgoing" : "incoming");
        m.put("connected", connected);
        m.put("setup_ms", setupMs);
        m.put("end", end.code());
        m.put("end_reason", endReason());
        m.put("duration_ms", durationMs);
        m.put("encrypted", security != null);
        if (security != null) {
            m.put("cipher_suite", security.cipherSuite());
            m.put("sas", security.sas());
            m.put("peer_fingerprint", security.peerFingerprint());
        }
        if (path != null) {
            m.put("path", path);
            m.put("path_setup_ms", pathSetupMs);
            m.put("path_changes", pathChanges());
            m.put("path_history", pathHistory);
        }
        if (mediaGapMs >= 0) {
            m.put("media_gap_ms", mediaGapMs);
        }
        if (media != null) {
            m.putAll(media.toMap());
        }
        if (!connected) {
            m.put("mos", null); // no audio was heard: there is no quality to score
        }
        return m;
    }
}
