package dev.parley.app.bots;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.sun.management.UnixOperatingSystemMXBean;
import dev.parley.app.HostPortConverter;
import dev.parley.protocol.HostPort;
import dev.parley.supernode.SearchSettings;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code parley bots}: starts an overlay (login server + N super nodes, real sockets on
 * 127.0.0.1) or joins a running one ({@code --login}), logs in and registers M bots through the real protocols, runs a bounded search
 * workload and reports search quality, latency, super nodes contacted, cache hits, throughput
 * and memory per super node (table on stdout, JSON with {@code --report}).
 *
 * <p>Bots share {@value #BOT_LOOP_THREADS} event loop threads; super nodes share
 * {@value BotsOverlay#LOOP_THREADS}. When this process cannot hold both ends of every bot
 * connection (file-descriptor limit), the overlay runs in one child JVM ({@link OverlayProcess}); with
 * {@code --self-organizing}, the serving bots' roles do ({@link ServeRolesProcess}).
 */
@Command(name = "bots", mixinStandardHelpOptions = true,
        description = {"Benchmarks the overlay: N super nodes (or a running overlay, --login) and M scripted bots, a bounded search workload,",
                "then a table and a JSON report (searches, found_ratio, not_found_correct_ratio, latency_ms, supernodes_contacted,",
                "cache_hit_ratio, throughput_per_s, memory per super node). Bot accounts use a cheap Argon2id cost (m=64 KiB, t=1)."})
public final class BotsCommand implements Callable<Integer> {
    static final int BOT_LOOP_THREADS = 2;
    /**
     * Event loop threads of the bot clients with {@code --self-organizing}. Its embedded super nodes
     * run their own loops, as a promoted client does (about 200 threads at M = 10,000), and Linux
     * shares the cores per thread: with 2, the clients' side of a kill's burst of rejoins (TLS,
     * registration: work each real client does on its own host) waited for a core, and that wait
     * was the rejoin tail (docs/benchmarks.md "X25519 by BouncyCastle, kills as crashes").
     */
    static final int SELF_ORGANIZING_BOT_LOOP_THREADS = 6;

    @Option(names = "--supernodes", paramLabel = "N", defaultValue = "20", description = "Super nodes (default: ${DEFAULT-VALUE}).")
    int superNodes;

    @Option(names = "--bots", paramLabel = "M", defaultValue = "2000", description = "Bot clients (default: ${DEFAULT-VALUE}).")
    int bots;

    @Option(names = "--duration", paramLabel = "SECONDS", defaultValue = "10", description = "Measured load duration (default: ${DEFAULT-VALUE}).")
    int durationS;

    @Option(names = "--rate", paramLabel = "PER_S", defaultValue = "2000", description = "Searches per second (default: ${DEFAULT-VALUE}).")
    int rate;

    @Option(names = "--offline-share", paramLabel = "F", defaultValue = "0.1",
            description = "Share of searches for users that do not exist (default: ${DEFAULT-VALUE}).")
    double offlineShare;

    @Option(names = "--churn", paramLabel = "PER_S", defaultValue = "0",
            description = "Bots logging out or back in per second (10%% of the bots churn; default: ${DEFAULT-VALUE}).")
    double churn;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "1", description = "Seed of every random choice (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--report", paramLabel = "FILE.json", description = "Write the JSON report here.")
    Path report;

    @Option(names = "--metrics-scrape-ms", paramLabel = "MS", defaultValue = "0",
            description = "Give every super node a Prometheus registry and scrape them all this often, to measure what "
                    + "metrics cost (the report adds overlay.metrics); 0 = no metrics (default: ${DEFAULT-VALUE}).")
    int scrapeMs;

    @Option(names = "--no-digests", description = "Blind expansion only (no presence digests), for comparison.")
    boolean noDigests;

    @Option(names = "--warmup", paramLabel = "SECONDS", defaultValue = "15",
            description = "Unmeasured load before the measurement, same rate: both JVMs' JIT compilers and the "
                    + "first verification of every record settle in it (default: ${DEFAULT-VALUE}).")
    int warmupS;

    @Option(names = "--login", paramLabel = "HOST:PORT", converter = HostPortConverter.class,
            description = "Join this running overlay (its login server) instead of starting one; --supernodes and "
                    + "--no-digests do not apply, and the super nodes' counters and memory are not reported.")
    HostPort join;

    @Option(names = "--self-organizing",
            description = "No dedicated super node: a login server and the bots, a share of which offer to serve and are "
                    + "promoted; reports overlay formation, super nodes over time, promotions, demotions, rejoin times and "
                    + "the found ratio during churn (--churn, default 20/s here). The serving bots run in a child JVM when "
                    + "this one cannot hold both ends of every bot connection (e.g. --bots 10000 with 20,000 file descriptors), "
                    + "or with --overlay-process.")
    boolean selfOrganizing;

    @Option(names = "--reachable-share", paramLabel = "F", defaultValue = "0.2",
            description = "With --self-organizing: share of the bots that offer to serve (default: ${DEFAULT-VALUE}).")
    double reachableShare;

    @Option(names = "--kill-every", paramLabel = "SECONDS", defaultValue = "5",
            description = "With --self-organizing: kill the busiest serving bot this often during the churn; 0 = never "
                    + "(default: ${DEFAULT-VALUE}).")
    int killEveryS;

    @Option(names = "--bot-threads", paramLabel = "N",
            description = "Event loop threads the bot clients share (default: " + BOT_LOOP_THREADS + "; "
                    + SELF_ORGANIZING_BOT_LOOP_THREADS + " with --self-organizing).")
    @Nullable Integer botThreads;

    @Option(names = "--overlay-process", description = "Run the overlay in a child JVM (automatic when file descriptors are short); with "
            + "--self-organizing, the serving bots' roles and super nodes (the server ends of the bot connections) run in it, "
            + "the login server, the client bots, churn, kills and searches in this one.")
    boolean overlayProcess;

    /** Per-registration INFO lines of thousands of bots would drown the report: WARN unless PARLEY_LOG_LEVEL says otherwise. */
    static void quietLogs() {
        if (System.getenv("PARLEY_LOG_LEVEL") == null
                && LoggerFactory.getLogger("dev.parley") instanceof Logger l) {
            l.setLevel(Level.WARN);
        }
    }

    @Override
    public Integer call() throws Exception {
        quietLogs();
        if (botThreads != null && (botThreads < 1 || botThreads > 64)) {
            System.err.println("bots: --bot-threads must be 1..64");
            return 2;
        }
        if (superNodes < 1 || bots < 2 || durationS < 1 || rate < 1 || offlineShare < 0 || offlineShare > 1 || churn < 0) {
            System.err.println("bots: need --supernodes >= 1, --bots >= 2, --duration >= 1, --rate >= 1, 0 <= --offline-share <= 1, --churn >= 0");
            return 2;
        }
        if (scrapeMs < 0 || (join != null && scrapeMs > 0)) {
            System.err.println("bots: --metrics-scrape-ms must be >= 0, and applies only to an overlay that bots starts");
            return 2;
        }
        if (join != null && noDigests) {
            System.err.println("bots: --no-digests applies only to an overlay that bots starts (not with --login)");
            return 2;
        }
        if (selfOrganizing) {
            return selfOrganizing();
        }
        boolean child = join == null && (overlayProcess || neededFds() > 0.9 * maxFds());
        long t0 = System.nanoTime();
        if (join == null) {
            System.err.printf("bots: starting %d super nodes (%s)...%n", superNodes, child ? "child JVM" : "this JVM");
        }
        NioEventLoopGroup group = new NioEventLoopGroup(botThreads != null ? botThreads : BOT_LOOP_THREADS,
                new DefaultThreadFactory("bots", true));
        Set<HostPort> named = ConcurrentHashMap.newKeySet();
        try (Overlay overlay = join != null ? new ExternalOverlay(join, () -> named)
                : child ? new OverlayProcess(Files.createTempDirectory("parley-bots-"), superNodes, !noDigests, seed, scrapeMs)
                : new Overlay.InProcess(new BotsOverlay(Files.createTempDirectory("parley-bots-"), superNodes, !noDigests, seed, scrapeMs));
                BotFleet fleet = new BotFleet(group, InstantSource.system(), bots, churn > 0 ? 0.1 : 0, seed)) {
            Map<String, Object> setup = new LinkedHashMap<>();
            setup.put("overlay_start_ms", (System.nanoTime() - t0) / 1_000_000);
            System.err.printf("bots: creating and logging in %d accounts...%n", bots);
            setup.put("login_ms", fleet.loginAll(overlay.login()));
            named.addAll(fleet.superNodesNamed);
            if (join != null) {
                superNodes = overlay.superNodes().size();
                System.err.printf("bots: joined the overlay at %s: %d super nodes named by its login server%n", join, superNodes);
            }
            System.err.printf("bots: registering %d bots...%n", bots);
            setup.put("register_ms", fleet.registerAll(overlay.superNodes(), seed));
            overlay.meshRound(); // digests now hold every bot
            setup.put("overlay", join != null ? "external: " + join : child ? "child JVM" : "this JVM");
            BotWorkload.Results results;
            try (BotWorkload load = new BotWorkload(fleet, overlay.superNodes(), InstantSource.system(),
                    SearchSettings.DEFAULTS.deadline())) {
                if (warmupS > 0) {
                    System.err.printf("bots: warm-up %d s...%n", warmupS);
                    load.run(rate, Duration.ofSeconds(warmupS), offlineShare, churn, seed + 1);
                }
                System.err.printf("bots: measuring %d s at %d searches/s...%n", durationS, rate);
                long overlayCpuStart = overlay.otherProcessCpuNanos();
                long overlayJitStart = overlay.otherProcessJitNanos();
                results = load.run(rate, Duration.ofSeconds(durationS), offlineShare, churn, seed);
                results.cpuNanos += overlay.otherProcessCpuNanos() - overlayCpuStart;
                results.jitNanos += overlay.otherProcessJitNanos() - overlayJitStart;
            }
            Map<String, Object> stats = overlay.stats();
            Map<String, Object> out = BotsReport.build(config(), setup, results, stats, overlay.memoryScope());
            System.out.print(BotsReport.table(out));
            writeReport(out);
        } finally {
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5_000);
        }
        return 0;
    }

    private int selfOrganizing() throws Exception {
        if (bots < 2 || durationS < 1 || rate < 1 || churn < 0 || killEveryS < 0 || !(reachableShare > 0)
                || reachableShare > 1 || join != null) {
            System.err.println("bots --self-organizing: need --bots >= 2, --duration >= 1, --rate >= 1, --churn >= 0, "
                    + "--kill-every >= 0, 0 < --reachable-share <= 1, and no --login");
            return 2;
        }
        double churnPerS = churn > 0 ? churn : 20;
        int serveRoles = Math.max(1, (int) Math.round(bots * reachableShare));
        // Both ends of every bot's connection, a serve role's offer link (both ends) and its super node's
        // TCP, UDP and login link when serving, and the login server's and JVM's own.
        long neededFds = 2L * bots + 5L * serveRoles + 256;
        boolean servingProcess = overlayProcess || neededFds > 0.9 * maxFds();
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("bots", bots);
        c.put("reachable_share", reachableShare);
        c.put("duration_s", durationS);
        c.put("warmup_s", warmupS);
        c.put("churn_per_s", churnPerS);
        c.put("rate_per_s", rate);
        c.put("kill_every_s", killEveryS);
        c.put("seed", seed);
        c.put("policy", "login server defaults (PromotionPolicy.DEFAULTS)");
        c.put("cpus", Runtime.getRuntime().availableProcessors());
        c.put("java", System.getProperty("java.vm.name") + " " + Runtime.version());
        int loops = botThreads != null ? botThreads : SELF_ORGANIZING_BOT_LOOP_THREADS;
        c.put("bot_loop_threads", loops);
        NioEventLoopGroup group = new NioEventLoopGroup(loops, new DefaultThreadFactory("bots", true));
        try {
            Map<String, Object> out = SelfOrganizingBots.run(group, bots, reachableShare, Duration.ofSeconds(warmupS),
                    Duration.ofSeconds(durationS), churnPerS, rate, Duration.ofSeconds(killEveryS), seed, servingProcess, c);
            System.out.print(SelfOrganizingBots.table(out));
            writeReport(out);
        } finally {
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5_000);
        }
        return 0;
    }

    private void writeReport(Map<String, Object> out) throws IOException {
        if (report != null) {
            Path parent = report.toAbsolutePath().getParent();
            Files.createDirectories(parent);
            new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(report.toFile(), out);
            System.out.println("report: " + report.toAbsolutePath());
        }
    }

    private Map<String, Object> config() {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("supernodes", superNodes);
        c.put("bots", bots);
        c.put("duration_s", durationS);
        c.put("warmup_s", warmupS);
        c.put("bot_loop_threads", botThreads != null ? botThreads : BOT_LOOP_THREADS);
        c.put("rate_per_s", rate);
        c.put("offline_share", offlineShare);
        c.put("churn_per_s", churn);
        c.put("seed", seed);
        c.put("digests", !noDigests);
        c.put("metrics_scrape_ms", scrapeMs);
        c.put("argon2", join != null ? "the joined login server's" : "m=" + BotsOverlay.BOT_ARGON2.memoryKiB() + " KiB, t=" + BotsOverlay.BOT_ARGON2.iterations()
                + ", p=" + BotsOverlay.BOT_ARGON2.parallelism());
        c.put("search", SearchSettings.DEFAULTS.toString());
        c.put("cpus", Runtime.getRuntime().availableProcessors());
        c.put("java", System.getProperty("java.vm.name") + " " + Runtime.version());
        c.put("max_heap_bytes", Runtime.getRuntime().maxMemory());
        return c;
    }

    private long neededFds() {
        return 2L * bots + 4L * superNodes + 256;
    }

    private static long maxFds() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof UnixOperatingSystemMXBean unix) {
            return unix.getMaxFileDescriptorCount();
        }
        return Long.MAX_VALUE;
    }
}
