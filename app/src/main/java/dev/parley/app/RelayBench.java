package dev.parley.app;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * {@code parley bench relay}: N concurrent relayed calls through one super-node relay socket on
 * loopback ({@link ParleyRelayTarget}), driven by {@link RelayLoad}: each call's two parties send
 * 172-byte RTP packets every 20 ms each way (50 packets/s). Measures relayed packets/s, loss,
 * send→receive latency (HdrHistogram, µs; includes the load generator's own queueing) and the relay
 * thread's CPU time per relayed packet. A last phase of the same length sends the same paced load
 * straight from party to party (no relay): the relayed percentiles minus these direct ones are the
 * latency the relay adds ({@code added_latency_p50_us}, {@code added_latency_p99_us}).
 *
 * <p>{@code --against coturn} also drives coturn ({@link CoturnRelay}) with the same sockets, load
 * and duration in the same run, between Parley's phase and the direct one, and reports both side by
 * side: for coturn, CPU is its whole process's; for Parley, the relay thread's plus (separately and
 * in the ratio) every GC and VM thread of this JVM, the generator's share included: an upper bound.
 */
final class RelayBench {
    static final int PACKET_BYTES = RelayLoad.PACKET_BYTES;
    static final int MAX_CALLS = 5_000;
    static final int MAX_SECONDS = 300;

    private RelayBench() {}

    /**
     * @param calls 1..{@value #MAX_CALLS}
     * @param seconds per phase, 1..{@value #MAX_SECONDS}
     * @param coturnThreads 0: Parley's relay only; 1..2: also coturn with that many relay threads
     * @param nio Parley's relay socket on Java NIO instead of epoll (to compare the two)
     * @return the report (flat keys for Parley; "coturn" and "ratio" maps when compared)
     * @throws CoturnRelay.UnavailableException if coturn is asked for and not installed
     */
    static Map<String, Object> run(int calls, int seconds, int coturnThreads, boolean nio) throws Exception {
        if (calls < 1 || calls > MAX_CALLS) {
            throw new IllegalArgumentException(String.format("calls: %d (expected: 1..%d)", calls, MAX_CALLS));
        }
        if (seconds < 1 || seconds > MAX_SECONDS) {
            throw new IllegalArgumentException(String.format("duration: %d s (expected: 1..%d)", seconds, MAX_SECONDS));
        }
        if (coturnThreads < 0 || coturnThreads > 2) {
            throw new IllegalArgumentException(String.format("coturnThreads: %d (expected: 0..2)", coturnThreads));
        }
        if (coturnThreads > 0 && CoturnRelay.find().isEmpty()) {
            throw new CoturnRelay.UnavailableException(
                    "coturn not found: no turnserver on PATH or in /usr/bin (install the Debian package coturn)");
        }
        Map<String, Object> out = new LinkedHashMap<>();
        try (RelayLoad load = new RelayLoad(calls); ParleyRelayTarget parley = new ParleyRelayTarget(calls, nio)) {
            parley.latch(load);
            InetSocketAddress[] toParley = new InetSocketAddress[load.size()];
            Arrays.fill(toParley, parley.address());
            int[] bare = new int[load.size()];
            long cpu0 = parley.cpuNanos();
            long gc0 = ProcCpu.ownThreadsNanos(ProcCpu::isGcOrVmThread);
            long forwarded0 = parley.forwarded();
            long[] cpu = new long[2];
            RelayLoad.Phase ours = load.run(toParley, bare, seconds, () -> {
                cpu[0] = parley.cpuNanos() - cpu0;
                cpu[1] = ProcCpu.ownThreadsNanos(ProcCpu::isGcOrVmThread) - gc0;
            });
            long forwarded = parley.forwarded() - forwarded0;
            out.put("calls", calls);
            out.put("duration_s", seconds);
            out.put("packet_bytes", PACKET_BYTES);
            out.put("relay_transport", parley.transport());
            out.put("load_transport", load.epoll() ? "epoll" : "nio");
            out.put("packets_relayed", forwarded);
            putPhase(out, ours, cpu[0]);
            out.put("relay_cpu_pct", Reports.round(100.0 * cpu[0] / ours.elapsedNanos(), 1));
            out.put("jvm_gc_vm_cpu_us_per_packet", perPacket(cpu[1], ours.received()));
            if (coturnThreads > 0) {
                Map<String, Object> c = new LinkedHashMap<>();
                try (CoturnRelay coturn = new CoturnRelay(coturnThreads, calls)) {
                    InetSocketAddress[] dest = coturn.allocate(load);
                    int[] channel = new int[load.size()];
                    for (int i = 0; i < channel.length; i += 2) {
                        channel[i] = CoturnRelay.CHANNEL;
                    }
                    long c0 = coturn.cpuNanos();
                    long[] coturnCpu = new long[1];
                    RelayLoad.Phase theirs = load.run(dest, channel, seconds, () -> {
                        try {
                            coturnCpu[0] = coturn.cpuNanos() - c0;
                        } catch (IOException e) {
                            throw new IllegalStateException("coturn CPU: " + e.getMessage(), e);
                        }
                    });
                    c.put("server", CoturnRelay.version());
                    c.put("relay_threads", coturn.relayThreads());
                    putPhase(c, theirs, coturnCpu[0]);
                    c.put("process_cpu_pct", Reports.round(100.0 * coturnCpu[0] / theirs.elapsedNanos(), 1));
                }
                out.put("coturn", c);
                double oursUs = (cpu[0] + cpu[1]) / 1000.0 / Math.max(1, ours.received());
                double theirsUs = (double) c.get("relay_cpu_us_per_packet");
                Map<String, Object> ratio = new LinkedHashMap<>();
                ratio.put("parley_cpu_us_per_packet_with_gc", Reports.round(oursUs, 2));
                ratio.put("parley_over_coturn_cpu", Reports.round(theirsUs == 0 ? 0 : oursUs / theirsUs, 2));
                out.put("ratio", ratio);
            }
            InetSocketAddress[] direct = new InetSocketAddress[load.size()];
            for (int i = 0; i < direct.length; i++) {
                direct[i] = load.address(i ^ 1); // the other party of the call
            }
            RelayLoad.Phase straight = load.run(direct, bare, seconds, () -> { });
            long d50 = straight.latencyUs().getValueAtPercentile(50);
            long d99 = straight.latencyUs().getValueAtPercentile(99);
            out.put("direct_latency_p50_us", d50);
            out.put("direct_latency_p99_us", d99);
            addLatency(out, d50, d99);
            if (out.get("coturn") instanceof Map<?, ?> m) {
                @SuppressWarnings("unchecked")
                Map<String, Object> c = (Map<String, Object>) m;
                addLatency(c, d50, d99);
            }
        }
        return out;
    }

    private static void putPhase(Map<String, Object> out, RelayLoad.Phase p, long cpuNanos) {
        out.put("packets_sent", p.sent());
        out.put("packets_received", p.received());
        out.put("relayed_per_s", Math.round(p.received() / (p.elapsedNanos() / 1e9)));
        out.put("loss_pct", Reports.round(p.lossPct(), 3));
        out.put("latency_p50_us", p.latencyUs().getValueAtPercentile(50));
        out.put("latency_p99_us", p.latencyUs().getValueAtPercentile(99));
        out.put("latency_max_us", p.latencyUs().getMaxValue());
        out.put("relay_cpu_us_per_packet", perPacket(cpuNanos, p.received()));
    }

    private static void addLatency(Map<String, Object> out, long d50, long d99) {
        out.put("added_latency_p50_us", (long) out.get("latency_p50_us") - d50);
        out.put("added_latency_p99_us", (long) out.get("latency_p99_us") - d99);
    }

    private static double perPacket(long cpuNanos, long packets) {
        return Reports.round(packets == 0 ? 0 : cpuNanos / 1000.0 / packets, 2);
    }

    static String table(Map<String, Object> r) {
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT,
                "%d calls, %d s per phase, %d-byte RTP every 20 ms each way; load on %s%n", r.get("calls"),
                r.get("duration_s"), r.get("packet_bytes"), r.get("load_transport")));
        String fmt = "%-34s %10s %8s %10s %10s %10s %10s %11s%n";
        sb.append(String.format(Locale.ROOT, fmt, "relay", "relayed/s", "loss%", "p50 us", "p99 us", "added p50",
                "added p99", "cpu us/pkt"));
        sb.append(row(fmt, "parley (" + r.get("relay_transport") + ")", r));
        sb.append(String.format(Locale.ROOT, "%-34s %76s%n", "  + JVM GC/VM threads (whole JVM)",
                r.get("jvm_gc_vm_cpu_us_per_packet")));
        if (r.get("coturn") instanceof Map<?, ?> c) {
            sb.append(row(fmt, c.get("server") + ", " + c.get("relay_threads") + " relay thread(s)", c));
            Map<?, ?> ratio = (Map<?, ?>) r.get("ratio");
            sb.append(String.format(Locale.ROOT, "CPU per relayed packet, parley (relay thread + GC/VM) / coturn (process): "
                    + "%s / %s us = %s%n", ratio.get("parley_cpu_us_per_packet_with_gc"), c.get("relay_cpu_us_per_packet"),
                    ratio.get("parley_over_coturn_cpu")));
        }
        return sb.toString();
    }

    private static String row(String fmt, String name, Map<?, ?> r) {
        return String.format(Locale.ROOT, fmt, name, r.get("relayed_per_s"), r.get("loss_pct"), r.get("latency_p50_us"),
                r.get("latency_p99_us"), r.get("added_latency_p50_us"), r.get("added_latency_p99_us"),
                r.get("relay_cpu_us_per_packet"));
    }
}
