package dev.parley.app;

import dev.parley.codec.AudioFormats;
import dev.parley.codec.audio.Clips;
import dev.parley.codec.opus.OpusLibraryInfo;
import dev.parley.codec.playout.JitterBufferStats;
import dev.parley.codec.quality.Fidelity;
import dev.parley.codec.quality.FidelityResult;
import dev.parley.codec.sim.ImpairmentSpec;
import dev.parley.codec.sim.MediaPathSimulator;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code parley bench media|quality}: the media engine's CPU cost per frame and calls per core
 * ({@link MediaPathBench}), or the quality table under seeded impairments ({@link MediaPathSimulator}:
 * the production jitter buffer, FEC, PLC and rate adaptation on a virtual clock). Prints a
 * readable table and JSON. {@code parley bench mesh}: seal and open of authenticated mesh datagrams
 * ({@link MeshSealBench}); {@code parley bench tls}: CPU per TLS handshake ({@link TlsHandshakeBench}).
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Benchmarks the media engine, the relay, the mesh's datagram authentication and TLS handshakes.",
                "media: CPU per 20 ms frame of encode + packetize + SRTP protect + unprotect + depacketize + jitter buffer "
                        + "+ decode, per direction, SRTP per packet, and concurrent calls per core.",
                "relay: N concurrent relayed calls (50 packets/s each way, 172-byte RTP) through one super-node relay "
                        + "socket on loopback: packets/s, loss, latency p50/p99, relay CPU per packet; --against coturn: coturn too, "
                        + "side by side, with the same load in the same run.",
                "mesh: CPU per authenticated mesh datagram (ChaCha20-Poly1305 seal and open at 64 B, 512 B, 8 KiB) and "
                        + "per first datagram from an unknown peer (certificate check, X25519, HKDF).",
                "tls: CPU per TLS 1.3 handshake of a client with a super node, client and server side, with the P-256 "
                        + "signatures by BouncyCastle (Parley's) and by the JDK (--frames N handshakes, 100..5000).",
                "quality: fidelity, MOS, concealment, FEC and jitter-buffer delay of the bundled clip under seeded "
                        + "impairments (clean, 5/10/20 %% loss, 20/40/80 ms jitter, ...)."})
final class BenchCommand implements Callable<Integer> {
    /** The quality table's scenarios: the rows, then combinations. */
    static final List<String> SCENARIOS = List.of("none", "loss=5%", "loss=10%", "loss=20%", "jitter=20ms",
            "jitter=40ms", "jitter=80ms", "loss=10%,jitter=40ms", "loss=10%,burst=2,jitter=40ms", "loss=20%,jitter=40ms");

    @Parameters(index = "0", paramLabel = "media|quality|relay|mesh|tls", description = "What to measure.")
    String what;

    @Option(names = "--frames", paramLabel = "N", defaultValue = "20000", description = "media: frames per measurement; mesh: datagrams per size; tls: handshakes (default: ${DEFAULT-VALUE}; tls: at most 5000).")
    int frames;

    @Option(names = "--threads", paramLabel = "N", defaultValue = "0", description = "media: threads for calls per core (default: all cores).")
    int threads;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "1", description = "quality: impairment seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--calls", paramLabel = "N", defaultValue = "100", description = "relay: concurrent relayed calls, 1..5000 (default: ${DEFAULT-VALUE}).")
    int calls;

    @Option(names = "--duration", paramLabel = "SECONDS", defaultValue = "10", description = "relay: seconds of traffic per relay under test (and for the direct baseline), interleaved, 1..300 (default: ${DEFAULT-VALUE}).")
    int durationSeconds;

    @Option(names = "--against", paramLabel = "coturn", description = "relay: also drive coturn (turnserver, started here on loopback) with the same load in the same run.")
    String against;

    @Option(names = "--coturn-threads", paramLabel = "N", defaultValue = "1", description = "relay: coturn's --relay-threads, 1..2 (default: ${DEFAULT-VALUE}, as Parley's one relay loop).")
    int coturnThreads;

    @Option(names = "--relay-transport", paramLabel = "epoll|netty-epoll|nio|both|LIST", defaultValue = "epoll", description = "relay: Parley's relay socket on native epoll read and written by the relay in batches (its own recvmmsg/sendmmsg; NIO where epoll is unavailable), on epoll read and written by Netty (recvmmsg/sendmmsg, the relay before), Java NIO, both (epoll,nio), or a comma-separated list of these (one relay each, interleaved) (default: ${DEFAULT-VALUE}).")
    String relayTransport;

    @Option(names = "--json", paramLabel = "FILE", description = "Also write the JSON here.")
    Path json;

    @Override
    public Integer call() throws Exception {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("machine", machine());
        switch (what) {
            case "media" -> {
                Map<String, Object> r = MediaPathBench.run(frames, threads <= 0 ? Runtime.getRuntime().availableProcessors() : threads);
                out.putAll(r);
                System.out.println(MediaPathBench.table(r));
            }
            case "quality" -> {
                List<Map<String, Object>> rows = quality();
                out.put("rows", rows);
                System.out.println(qualityTable(rows));
            }
            case "relay" -> {
                if (against != null && !against.equals("coturn")) {
                    System.err.println("parley bench relay: --against '" + against + "' (expected: coturn)");
                    return 2;
                }
                if (RelayBench.transports(relayTransport).isEmpty()) {
                    System.err.println("parley bench relay: --relay-transport '" + relayTransport
                            + "' (expected: epoll, netty-epoll, nio, both, or a comma-separated list of the first three)");
                    return 2;
                }
                Map<String, Object> r;
                try {
                    r = RelayBench.run(calls, durationSeconds, against == null ? 0 : coturnThreads, relayTransport);
                } catch (CoturnRelay.UnavailableException e) {
                    System.err.println("parley bench relay --against coturn: " + e.getMessage());
                    return 2;
                }
                out.putAll(r);
                System.out.println(RelayBench.table(r));
            }
            case "mesh" -> {
                Map<String, Object> r = MeshSealBench.run(Math.max(1000, frames), 200);
                out.putAll(r);
                System.out.println(MeshSealBench.table(r));
            }
            case "tls" -> {
                Map<String, Object> r = TlsHandshakeBench.run(Math.max(100, Math.min(frames, 5_000)));
                out.putAll(r);
                System.out.println(TlsHandshakeBench.table(r));
            }
            default -> {
                System.err.println("parley bench: '" + what + "' (expected: media, quality, relay, mesh or tls)");
                return 2;
            }
        }
        String text = Reports.toJson(out);
        System.out.println(text);
        if (json != null) {
            Reports.write(json, out);
        }
        return 0;
    }

    private List<Map<String, Object>> quality() {
        short[] clip = Clips.speechSample();
        List<Map<String, Object>> rows = new ArrayList<>();
        double cleanFidelity = 0;
        for (String scenario : SCENARIOS) {
            ImpairmentSpec spec = ImpairmentSpec.parse(scenario.equals("none") ? "none" : scenario + ",seed=" + seed);
            MediaPathSimulator.Result r = MediaPathSimulator.run(clip, 32, true, 0, spec);
            FidelityResult f = Fidelity.score(clip, r.recording());
            if (scenario.equals("none")) {
                cleanFidelity = f.score();
            }
            JitterBufferStats s = r.stats();
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("impairment", scenario);
            row.put("fidelity", Reports.round(f.score(), 3));
            row.put("fidelity_vs_clean", Reports.round(f.score() / cleanFidelity, 3));
            row.put("mos", Reports.round(r.mos(), 2));
            row.put("network_loss_pct", Reports.round(r.networkLossPct(), 1));
            row.put("concealed_ratio", Reports.round(r.concealedRatio(), 4));
            row.put("fec_recovered", s.fecFrames());
            row.put("late", s.late());
            row.put("jitter_buffer_ms", Reports.round(s.meanDelayMs(), 1));
            row.put("jitter_buffer_target_ms", s.targetDelayMs());
            row.put("mouth_to_ear_end_ms", Reports.round(f.endLagSamples() / (double) AudioFormats.SAMPLES_PER_MS, 1));
            row.put("bitrate_kbps", Reports.round(r.meanBitrateKbps(), 1));
            row.put("accelerated", s.accelerated());
            row.put("expanded", s.expanded());
            rows.add(row);
        }
        return rows;
    }

    static String qualityTable(List<Map<String, Object>> rows) {
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT,
                "%-30s %8s %7s %5s %7s %9s %5s %5s %8s %6s %8s %6s%n", "impairment", "fidelity", "vsClean", "MOS",
                "loss%", "concealed", "FEC", "late", "jbMeanMs", "jbTgt", "m2eEndMs", "kbps"));
        for (Map<String, Object> r : rows) {
            sb.append(String.format(Locale.ROOT, "%-30s %8s %7s %5s %7s %9s %5s %5s %8s %6s %8s %6s%n", r.get("impairment"),
                    r.get("fidelity"), r.get("fidelity_vs_clean"), r.get("mos"), r.get("network_loss_pct"),
                    r.get("concealed_ratio"), r.get("fec_recovered"), r.get("late"), r.get("jitter_buffer_ms"),
                    r.get("jitter_buffer_target_ms"), r.get("mouth_to_ear_end_ms"), r.get("bitrate_kbps")));
        }
        return sb.toString();
    }

    static Map<String, Object> machine() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("cores", Runtime.getRuntime().availableProcessors());
        m.put("java", Runtime.version().toString() + " (" + System.getProperty("java.vendor") + ")");
        m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch"));
        try {
            m.put("opus", OpusLibraryInfo.describe());
        } catch (RuntimeException | LinkageError e) {
            m.put("opus", "unavailable");
        }
        return m;
    }
}
