package dev.parley.app;

import dev.parley.codec.quality.Fidelity;
import dev.parley.codec.quality.FidelityResult;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** Combines alice's and bob's call reports into the demo report (alice → bob direction). */
final class DemoReport {
    private DemoReport() {}

    static Map<String, Object> merge(Map<String, Object> alice, Map<String, Object> bob, FidelityResult fidelity,
            Path clip, Path recording) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("connected", Boolean.TRUE.equals(alice.get("connected")) && Boolean.TRUE.equals(bob.get("connected")));
        m.put("setup_ms", alice.get("setup_ms"));
        m.put("encrypted", Boolean.TRUE.equals(alice.get("encrypted")) && Boolean.TRUE.equals(bob.get("encrypted")));
        m.put("cipher_suite", alice.get("cipher_suite"));
        m.put("sas", alice.get("sas"));
        m.put("sas_matches", alice.get("sas") != null && alice.get("sas").equals(bob.get("sas")));
        m.put("srtp_dropped", bob.get("srtp_dropped"));
        m.put("path", alice.get("path"));
        m.put("path_setup_ms", alice.get("path_setup_ms"));
        m.put("packets_sent", alice.get("packets_sent"));
        m.put("packets_received", bob.get("packets_received"));
        m.put("packets_lost", bob.get("packets_lost"));
        m.put("packets_late", bob.get("packets_late"));
        m.put("jitter_ms", bob.get("jitter_ms"));
        m.put("bitrate_kbps", alice.get("bitrate_kbps"));
        m.put("impairment", bob.get("impairment"));
        m.put("loss_pct", bob.get("loss_pct"));
        m.put("loss_after_fec_pct", bob.get("loss_after_fec_pct"));
        m.put("fec_recovered", bob.get("fec_recovered"));
        m.put("concealed_ratio", bob.get("concealed_ratio"));
        m.put("jitter_buffer_ms", bob.get("jitter_buffer_ms"));
        m.put("rtt_ms", alice.get("rtt_ms"));
        m.put("mos", bob.get("mos"));
        m.put("opus", bob.get("opus"));
        m.put("fidelity", fidelity == null ? null : Reports.round(fidelity.score(), 4));
        m.put("fidelity_threshold", Fidelity.PASS_THRESHOLD);
        m.put("fidelity_lag_ms", fidelity == null ? null : Reports.round(fidelity.lagSamples() / 48.0, 1));
        m.put("search", alice.get("search"));
        m.put("clip", clip.toString());
        m.put("recording", recording.toString());
        m.put("alice", alice);
        m.put("bob", bob);
        return m;
    }

    static String table(Map<String, Object> m) {
        StringBuilder sb = new StringBuilder("\nParley demo: alice (super node 1) -> bob (super node 3)\n");
        row(sb, "connected", m.get("connected"));
        row(sb, "call setup (INVITE -> media)", m.get("setup_ms") + " ms");
        row(sb, "encrypted", m.get("encrypted") + " (" + m.get("cipher_suite") + ")");
        row(sb, "SAS (alice = bob: " + m.get("sas_matches") + ")", m.get("sas"));
        row(sb, "SRTP packets dropped (bob)", m.get("srtp_dropped"));
        row(sb, "media path (checks)", m.get("path") + " (" + m.get("path_setup_ms") + " ms)");
        if (m.get("search") instanceof Map<?, ?> s) {
            row(sb, "search for bob", s.get("supernodes_contacted") + " super nodes contacted, " + s.get("elapsed_ms") + " ms");
        }
        row(sb, "RTP packets sent (alice)", m.get("packets_sent"));
        row(sb, "RTP packets received (bob)", m.get("packets_received"));
        row(sb, "packets lost / late", m.get("packets_lost") + " / " + m.get("packets_late"));
        row(sb, "interarrival jitter", fmt(m.get("jitter_ms")) + " ms");
        row(sb, "audio bitrate (alice, mean)", fmt(m.get("bitrate_kbps")) + " kbps");
        row(sb, "impairment of bob's received media", m.get("impairment"));
        row(sb, "loss before / after FEC", fmt(m.get("loss_pct")) + " % / " + fmt(m.get("loss_after_fec_pct")) + " %");
        row(sb, "frames recovered by FEC", m.get("fec_recovered"));
        row(sb, "concealed ratio", fmt(m.get("concealed_ratio")));
        row(sb, "jitter buffer delay (mean)", fmt(m.get("jitter_buffer_ms")) + " ms");
        row(sb, "round-trip time (RTCP, alice)", fmt(m.get("rtt_ms")) + " ms");
        row(sb, "MOS (E-model, G.107)", fmt(m.get("mos")));
        row(sb, "codec library", m.get("opus"));
        row(sb, "fidelity (threshold " + m.get("fidelity_threshold") + ")", m.get("fidelity"));
        return sb.toString();
    }

    private static void row(StringBuilder sb, String name, Object value) {
        sb.append(String.format("  %-36s %s%n", name, value));
    }

    private static String fmt(Object number) {
        return number instanceof Number n ? String.format("%.2f", n.doubleValue()) : String.valueOf(number);
    }
}
