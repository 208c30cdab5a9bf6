package dev.parley.app;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * {@code parley bench relay}: N concurrent relayed calls through one super-node relay socket on
 * loopback ({@link ParleyRelayTarget}), driven by {@link RelayLoad}: each call's two parties send
 * 172-byte RTP packets every 20 ms each way (50 packets/s). Measures relayed packets/s, loss,
 * send→receive latency (HdrHistogram, µs; includes the load generator's own queueing) and the relay
 * thread's CPU time per relayed packet. The same paced load also goes straight from party to party
 * (no relay): the relayed percentiles minus these direct ones are the latency the relay adds
 * ({@code added_latency_p50_us}, {@code added_latency_p99_us}).
 *
 * <p>{@code --against coturn} also drives coturn ({@link CoturnRelay}) with the same sockets and
 * load; {@code --relay-transport both} runs Parley's relay twice, on epoll and on NIO (a list such
 * as {@code epoll,netty-epoll} runs one relay per entry: {@code netty-epoll} is the epoll socket
 * read and written by Netty, the relay before {@code NativeBatches}). Every route
 * (each relay, and the direct baseline) takes {@value #SLICE_MS} ms turns, for the given seconds
 * each in all, so other work on a shared machine weighs on all of them alike. CPU per packet is a
 * relay's CPU time over the whole run divided by the packets it delivered (it idles off its turn):
 * coturn's whole process; for Parley the relay thread, and separately the JVM's GC and VM threads
 * per packet the JVM handled (generator included), added to Parley's side in the ratio.
 */
final class RelayBench {
    static final int PACKET_BYTES = RelayLoad.PACKET_BYTES;
    static final int MAX_CALLS = 5_000;
    static final int MAX_SECONDS = 300;

    private RelayBench() {}

    /** Each route's turn in the interleaved run. */
    static final int SLICE_MS = 500;

    /**
     * @param calls 1..{@value #MAX_CALLS}
     * @param seconds per route, 1..{@value #MAX_SECONDS} (the run takes that times the routes)
     * @param coturnThreads 0: Parley's relay only; 1..2: also coturn with that many relay threads
     * @param transports Parley's relay socket(s): "epoll", "netty-epoll", "nio", "both" (= "epoll,nio")
     *     or a comma-separated list of the first three (one relay each, to compare)
     * @return the report (flat keys for Parley's first relay; "parley_TRANSPORT" per further relay
     *     (dash as underscore), "coturn" and "ratio" maps)
     * @throws CoturnRelay.UnavailableException if coturn is asked for and not installed
     */
    static Map<String, Object> run(int calls, int seconds, int coturnThreads, String transports) throws Exception {
        if (calls < 1 || calls > MAX_CALLS) {
            throw new IllegalArgumentException(String.format("calls: %d (expected: 1..%d)", calls, MAX_CALLS));
        }
        if (seconds < 1 || seconds > MAX_SECONDS) {
            throw new IllegalArgumentException(String.format("duration: %d s (expected: 1..%d)", seconds, MAX_SECONDS));
        }
        if (coturnThreads < 0 || coturnThreads > 2) {
            throw new IllegalArgumentException(String.format("coturnThreads: %d (expected: 0..2)", coturnThreads));
        }
        List<String> kinds = transports(transports);
        if (kinds.isEmpty()) {
            throw new IllegalArgumentException("relayTransport: " + transports
                    + " (expected: epoll, netty-epoll, nio, both, or a comma-separated list of the first three)");
        }
        if (coturnThreads > 0 && CoturnRelay.find().isEmpty()) {
            throw new CoturnRelay.UnavailableException(
                    "coturn not found: no turnserver on PATH or in /usr/bin (install the Debian package coturn)");
        }
        List<AutoCloseable> open = new ArrayList<>();
        try {
            RelayLoad load = new RelayLoad(calls);
            open.add(load);
            List<RelayLoad.Route> routes = new ArrayList<>();
            List<LongSupplier> cpu = new ArrayList<>();
            List<ParleyRelayTarget> parleys = new ArrayList<>();
            for (String kind : kinds) {
                ParleyRelayTarget parley = new ParleyRelayTarget(calls, kind);
                open.add(parley);
                parley.latch(load);
                InetSocketAddress[] dest = new InetSocketAddress[load.size()];
                Arrays.fill(dest, parley.address());
                routes.add(new RelayLoad.Route("parley (" + parley.transport() + ")", dest, new int[load.size()]));
                cpu.add(parley::cpuNanos);
                parleys.add(parley);
            }
            CoturnRelay coturn = null;
            if (coturnThreads > 0) {
                coturn = new CoturnRelay(coturnThreads, calls);
                open.add(coturn);
                InetSocketAddress[] dest = coturn.allocate(load);
                int[] channel = new int[load.size()];
                for (int i = 0; i < channel.length; i += 2) {
                    channel[i] = CoturnRelay.CHANNEL;
                }
                routes.add(new RelayLoad.Route(CoturnRelay.version() + ", " + coturnThreads + " relay thread(s)", dest, channel));
                CoturnRelay c = coturn;
                cpu.add(() -> {
                    try {
                        return c.cpuNanos();
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                });
            }
            InetSocketAddress[] direct = new InetSocketAddress[load.size()];
            for (int i = 0; i < direct.length; i++) {
                direct[i] = load.address(i ^ 1); // the other party of the call
            }
            routes.add(new RelayLoad.Route("direct (no relay)", direct, new int[load.size()]));
            cpu.add(() -> 0L);

            long[] cpu0 = cpu.stream().mapToLong(LongSupplier::getAsLong).toArray();
            long gc0 = ProcCpu.ownThreadsNanos(ProcCpu::isGcOrVmThread);
            long load0 = ProcCpu.ownThreadsNanos(RelayBench::isLoadThread);
            long wall0 = System.nanoTime();
            long forwarded0 = parleys.get(0).forwarded();
            List<RelayLoad.Result> results = load.run(routes, seconds, SLICE_MS);
            long gcNanos = ProcCpu.ownThreadsNanos(ProcCpu::isGcOrVmThread) - gc0;
            long loadNanos = ProcCpu.ownThreadsNanos(RelayBench::isLoadThread) - load0;
            long wallNanos = System.nanoTime() - wall0;
            long[] cpuNanos = new long[cpu.size()];
            for (int r = 0; r < cpuNanos.length; r++) {
                cpuNanos[r] = cpu.get(r).getAsLong() - cpu0[r];
            }
            RelayLoad.Result straight = results.get(results.size() - 1);
            long d50 = straight.latencyUs().getValueAtPercentile(50);
            long d99 = straight.latencyUs().getValueAtPercentile(99);
            long allPackets = results.stream().mapToLong(RelayLoad.Result::received).sum();
            double gcPerPacketUs = allPackets == 0 ? 0 : gcNanos / 1000.0 / allPackets;

            Map<String, Object> out = new LinkedHashMap<>();
            out.put("calls", calls);
            out.put("duration_s", seconds);
            out.put("packet_bytes", PACKET_BYTES);
            out.put("interleaved_slice_ms", SLICE_MS);
            out.put("load_transport", load.epoll() ? "epoll" : "nio");
            out.put("relay_transport", parleys.get(0).transport());
            out.put("packets_relayed", parleys.get(0).forwarded() - forwarded0);
            putRoute(out, results.get(0), cpuNanos[0], d50, d99);
            out.put("relay_socket_drops", parleys.get(0).socketDrops());
            if (!parleys.get(0).nativeCounters().isEmpty()) {
                out.put("native_batches", new LinkedHashMap<>(parleys.get(0).nativeCounters()));
            }
            out.put("jvm_gc_vm_cpu_us_per_packet", Reports.round(gcPerPacketUs, 2));
            // The generator's one thread: per datagram it sent or received, and its share of one core.
            long handled = allPackets + results.stream().mapToLong(RelayLoad.Result::sent).sum();
            out.put("load_cpu_us_per_datagram", Reports.round(handled == 0 ? 0 : loadNanos / 1000.0 / handled, 2));
            out.put("load_cpu_pct", Reports.round(100.0 * loadNanos / wallNanos, 1));
            for (int k = 1; k < parleys.size(); k++) {
                Map<String, Object> other = new LinkedHashMap<>();
                other.put("relay_transport", parleys.get(k).transport());
                putRoute(other, results.get(k), cpuNanos[k], d50, d99);
                other.put("relay_socket_drops", parleys.get(k).socketDrops());
                out.put("parley_" + kinds.get(k).replace('-', '_'), other);
            }
            if (coturn != null) {
                int k = parleys.size();
                Map<String, Object> c = new LinkedHashMap<>();
                c.put("server", CoturnRelay.version());
                c.put("relay_threads", coturn.relayThreads());
                putRoute(c, results.get(k), cpuNanos[k], d50, d99);
                out.put("coturn", c);
                double oursUs = (double) out.get("relay_cpu_us_per_packet") + gcPerPacketUs;
                double theirsUs = (double) c.get("relay_cpu_us_per_packet");
                Map<String, Object> ratio = new LinkedHashMap<>();
                ratio.put("parley_cpu_us_per_packet_with_gc", Reports.round(oursUs, 2));
                ratio.put("parley_over_coturn_cpu", Reports.round(theirsUs == 0 ? 0 : oursUs / theirsUs, 2));
                out.put("ratio", ratio);
            }
            out.put("direct_latency_p50_us", d50);
            out.put("direct_latency_p99_us", d99);
            out.put("direct_loss_pct", Reports.round(straight.lossPct(), 3));
            return out;
        } finally {
            for (int i = open.size() - 1; i >= 0; i--) {
                open.get(i).close();
            }
        }
    }

    /**
     * @param spec "both", or a comma-separated list of "epoll", "netty-epoll", "nio" (each at most once)
     * @return the relays to run, or empty if {@code spec} is not one of these
     */
    static List<String> transports(String spec) {
        if (spec.equals("both")) {
            return List.of("epoll", "nio");
        }
        List<String> kinds = List.of(spec.split(",", -1));
        if (kinds.size() > 3 || kinds.stream().distinct().count() != kinds.size()
                || !List.of("epoll", "netty-epoll", "nio").containsAll(kinds)) {
            return List.of();
        }
        return kinds;
    }

    private static boolean isLoadThread(String comm) {
        return comm.startsWith("bench-parties");
    }

    private static void putRoute(Map<String, Object> out, RelayLoad.Result p, long cpuNanos, long d50, long d99) {
        out.put("packets_sent", p.sent());
        out.put("packets_received", p.received());
        out.put("relayed_per_s", p.perSecond());
        out.put("loss_pct", Reports.round(p.lossPct(), 3));
        long p50 = p.latencyUs().getValueAtPercentile(50);
        long p99 = p.latencyUs().getValueAtPercentile(99);
        out.put("latency_p50_us", p50);
        out.put("latency_p99_us", p99);
        out.put("latency_max_us", p.latencyUs().getMaxValue());
        out.put("added_latency_p50_us", p50 - d50);
        out.put("added_latency_p99_us", p99 - d99);
        out.put("relay_cpu_us_per_packet", perPacket(cpuNanos, p.received()));
        out.put("relay_cpu_pct_while_on", Reports.round(p.activeNanos() == 0 ? 0 : 100.0 * cpuNanos / p.activeNanos(), 1));
    }

    private static double perPacket(long cpuNanos, long packets) {
        return Reports.round(packets == 0 ? 0 : cpuNanos / 1000.0 / packets, 2);
    }

    static String table(Map<String, Object> r) {
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT,
                "%d calls, %d-byte RTP every 20 ms each way; routes interleaved %d ms each, %d s each in all; load on %s%n",
                r.get("calls"), r.get("packet_bytes"), r.get("interleaved_slice_ms"), r.get("duration_s"), r.get("load_transport")));
        String fmt = "%-40s %10s %8s %9s %9s %9s %9s %10s %6s%n";
        sb.append(String.format(Locale.ROOT, fmt, "relay", "relayed/s", "loss%", "p50 us", "p99 us", "added p50",
                "added p99", "cpu us/pkt", "cpu%"));
        sb.append(row(fmt, "parley (" + r.get("relay_transport") + ")", r));
        for (Map.Entry<String, Object> e : r.entrySet()) {
            if (e.getKey().startsWith("parley_") && e.getValue() instanceof Map<?, ?> other) {
                sb.append(row(fmt, "parley (" + other.get("relay_transport") + ")", other));
            }
        }
        if (r.get("coturn") instanceof Map<?, ?> c) {
            sb.append(row(fmt, c.get("server") + ", " + c.get("relay_threads") + " relay thread(s)", c));
        }
        sb.append(String.format(Locale.ROOT, "direct (no relay): p50 %s us, p99 %s us, loss %s %%; "
                        + "JVM GC/VM threads: %s us per packet handled; load generator: %s us per datagram sent or received, "
                        + "%s %% of a core%n", r.get("direct_latency_p50_us"), r.get("direct_latency_p99_us"),
                r.get("direct_loss_pct"), r.get("jvm_gc_vm_cpu_us_per_packet"), r.get("load_cpu_us_per_datagram"),
                r.get("load_cpu_pct")));
        if (r.get("ratio") instanceof Map<?, ?> ratio) {
            sb.append(String.format(Locale.ROOT, "CPU per relayed packet, parley (relay thread + GC/VM share) / coturn "
                    + "(whole process): %s / %s us = %s%n", ratio.get("parley_cpu_us_per_packet_with_gc"),
                    ((Map<?, ?>) r.get("coturn")).get("relay_cpu_us_per_packet"), ratio.get("parley_over_coturn_cpu")));
        }
        return sb.toString();
    }

    private static String row(String fmt, String name, Map<?, ?> r) {
        return String.format(Locale.ROOT, fmt, name, r.get("relayed_per_s"), r.get("loss_pct"), r.get("latency_p50_us"),
                r.get("latency_p99_us"), r.get("added_latency_p50_us"), r.get("added_latency_p99_us"),
                r.get("relay_cpu_us_per_packet"), r.get("relay_cpu_pct_while_on"));
    }
}
