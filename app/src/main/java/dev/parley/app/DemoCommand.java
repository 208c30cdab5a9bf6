package dev.parley.app;

import dev.parley.login.LoginServerConfig;
import dev.parley.login.SuperNodeAdmin;
import dev.parley.protocol.HostPort;

import dev.parley.codec.audio.Clips;
import dev.parley.codec.audio.Wav;
import dev.parley.codec.quality.Fidelity;
import dev.parley.codec.quality.FidelityResult;
import dev.parley.codec.sim.ImpairmentSpec;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code parley demo}: a real call on this machine. Starts, as separate processes on loopback, a
 * login server, three super nodes and two clients; alice (via super node 1) calls bob (via super
 * node 3) and plays a clip; bob auto-answers and records; then everything stops and a report is printed.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Runs a real call on this machine: login server, 3 super nodes, alice (super node 1) calls "
                + "bob (super node 3), each a separate process on 127.0.0.1. Prints a report with a fidelity score.",
                "Exit status: 0 call connected and fidelity above the threshold; 1 call failed; 2 fidelity too low."})
final class DemoCommand implements Callable<Integer> {
    @Option(names = "--play", paramLabel = "WAV", description = "Clip alice plays (any common WAV format; default: the bundled ~10 s speech clip).")
    Path play;

    @Option(names = "--record", paramLabel = "WAV", defaultValue = "demo-out/recording.wav",
            description = "Where bob's recording goes (default: ${DEFAULT-VALUE}).")
    Path record;

    @Option(names = "--report", paramLabel = "JSON", defaultValue = "demo-out/report.json",
            description = "Where the report goes (default: ${DEFAULT-VALUE}).")
    Path report;

    @Option(names = "--bitrate", paramLabel = "KBPS", defaultValue = "32", description = "Opus bitrate, 32..64 (default: ${DEFAULT-VALUE}).")
    int bitrateKbps;

    @Option(names = "--impair", paramLabel = "SPEC", converter = ImpairmentConverter.class,
            description = "Impair what bob receives, e.g. loss=10%%,burst=2,jitter=40ms (keys: loss, burst, delay, jitter, "
                    + "reorder, dup, seed; default: none).")
    ImpairmentSpec impairment;

    @Option(names = "--keep", description = "Keep the temporary data directories and logs (always kept when the call fails).")
    boolean keep;

    /**
     * The operator's step, done for the user: one-time enrolment tokens written to the running login
     * server's database, as {@code parley login-server enroll} does.
     */
    private static List<String> enrolmentTokens(Path loginData, int count) throws Exception {
        List<String> tokens = new ArrayList<>();
        try (SuperNodeAdmin admin = SuperNodeAdmin.open(LoginServerConfig.defaults(new HostPort("127.0.0.1", 0), loginData))) {
            for (int i = 0; i < count; i++) {
                tokens.add(admin.createToken(Duration.ofMinutes(10)));
            }
        }
        return tokens;
    }

    private final long started = System.nanoTime();

    @Override
    public Integer call() throws Exception {
        if (bitrateKbps < 32 || bitrateKbps > 64) { // fail before starting six processes, not after them
            System.err.println(String.format("demo: --bitrate %d kbps (expected: 32..64)", bitrateKbps));
            return 2;
        }
        try { // where the results go, before six processes start
            ClientChecks.writable("--record", record);
            ClientChecks.writable("--report", report);
        } catch (ClientChecks.UsageException e) {
            System.err.println("demo: " + e.getMessage());
            return 2;
        }
        short[] given = play == null ? null : Wav.readMono48k(play); // fail early on an unreadable clip
        Path work = Files.createTempDirectory("parley-demo-");
        Path clip = play != null ? play : extractBundledClip(work);
        short[] reference = given != null ? given : Wav.readMono48k(clip);
        double clipSeconds = reference.length / 48_000.0;
        Files.deleteIfExists(record);
        Path aliceReport = work.resolve("alice-report.json");
        Path bobReport = work.resolve("bob-report.json");
        int aliceExit;
        int bobExit;
        try (ProcessGroup procs = new ProcessGroup(work.resolve("logs"))) {
            step("starting login server");
            Process login = procs.start("login-server", List.of("login-server", "--listen", "127.0.0.1:0", "--data", work.resolve("login").toString()));
            String loginAddr = ProcessGroup.awaitFile(work.resolve("login/address"), login, Duration.ofSeconds(60), "login server");
            List<String> tokens = enrolmentTokens(work.resolve("login"), 3);
            List<Process> started = new ArrayList<>();
            for (int i = 1; i <= 3; i++) { // all three at once: each JVM starts while the others do
                step("starting super node " + i + " (enrolled with a one-time token)");
                started.add(procs.start("supernode-" + i, List.of("supernode", "--listen", "127.0.0.1:0", "--login", loginAddr,
                        "--data", work.resolve("supernode-" + i).toString(), "--heartbeat-ms", "1000", "--enroll", tokens.get(i - 1))));
            }
            List<String> superNodes = new ArrayList<>();
            for (int i = 1; i <= 3; i++) {
                superNodes.add(ProcessGroup.awaitFile(work.resolve("supernode-" + i).resolve("address"), started.get(i - 1),
                        Duration.ofSeconds(60), "super node " + i));
            }
            step("login server at " + loginAddr + ", super nodes at " + String.join(", ", superNodes));
            step("starting bob (super node 3, auto-answer, recording to " + record + ")");
            List<String> bobArgs = new ArrayList<>(List.of("--auto-answer", "--record", record.toAbsolutePath().toString(),
                    "--report", bobReport.toString()));
            if (impairment != null && !impairment.isNone()) {
                bobArgs.addAll(List.of("--impair", impairment.toString()));
                step("bob's received media is impaired: " + impairment);
            }
            Process bob = procs.start("bob", clientArgs(work, "bob", superNodes.get(2), bobArgs.toArray(String[]::new)));
            step(String.format("starting alice (super node 1): search bob, call, play %.1f s clip %s", clipSeconds, clip.getFileName()));
            Process alice = procs.start("alice", clientArgs(work, "alice", superNodes.get(0), "--call", "bob",
                    "--play", clip.toAbsolutePath().toString(), "--report", aliceReport.toString(), "--wait-online", "30",
                    "--bitrate", Integer.toString(bitrateKbps)));
            aliceExit = waitFor(alice, Duration.ofSeconds((long) clipSeconds + 120));
            step("alice finished (exit " + aliceExit + ")");
            bobExit = waitFor(bob, Duration.ofSeconds(30));
            step("bob finished (exit " + bobExit + "); stopping super nodes and login server");
        }
        if (!Files.exists(aliceReport) || !Files.exists(bobReport)) {
            System.err.println("demo: the call failed; logs are in " + work.resolve("logs"));
            printLogTail(work.resolve("logs/alice.log"));
            printLogTail(work.resolve("logs/bob.log"));
            return 1;
        }
        Map<String, Object> alice = Reports.read(aliceReport);
        Map<String, Object> bob = Reports.read(bobReport);
        FidelityResult fidelity = Files.exists(record) ? Fidelity.score(reference, Wav.readMono48k(record)) : null;
        Map<String, Object> merged = DemoReport.merge(alice, bob, fidelity, clip, record);
        Reports.write(report, merged);
        System.out.println(DemoReport.table(merged));
        System.out.println("report: " + report.toAbsolutePath() + "   recording: " + record.toAbsolutePath());
        boolean connected = Boolean.TRUE.equals(merged.get("connected"));
        if (!connected || aliceExit != 0 || bobExit != 0) {
            System.err.println("demo: the call failed; logs are in " + work.resolve("logs"));
            return 1;
        }
        if (fidelity == null || fidelity.score() < Fidelity.PASS_THRESHOLD) {
            System.err.println("demo: fidelity below the threshold; logs are in " + work.resolve("logs"));
            return 2;
        }
        if (!keep) {
            deleteTree(work);
        } else {
            System.out.println("data and logs: " + work);
        }
        return 0;
    }

    private List<String> clientArgs(Path work, String user, String superNode, String... more) throws IOException {
        Path pw = work.resolve(user + ".password");
        Files.writeString(pw, user + "-demo-password\n", StandardCharsets.UTF_8);
        List<String> args = new ArrayList<>(List.of("client", "--login", Files.readString(work.resolve("login/address")).strip(),
                "--user", user, "--password-file", pw.toString(), "--data", work.resolve(user).toString(), "--register",
                "--supernode", superNode));
        args.addAll(List.of(more));
        return args;
    }

    private static Path extractBundledClip(Path work) throws IOException {
        Path clip = work.resolve("speech-sample.wav");
        try (InputStream in = Clips.openSpeechSample()) {
            Files.copy(in, clip, StandardCopyOption.REPLACE_EXISTING);
        }
        return clip;
    }

    private static int waitFor(Process p, Duration timeout) throws InterruptedException {
        if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            p.destroy();
            return p.waitFor(10, TimeUnit.SECONDS) ? -1 : -2;
        }
        return p.exitValue();
    }

    private void step(String what) {
        System.err.printf("[demo %5.1f s] %s%n", (System.nanoTime() - started) / 1e9, what);
    }

    private static void printLogTail(Path log) throws IOException {
        if (Files.exists(log)) {
            List<String> lines = Files.readAllLines(log);
            System.err.println("--- last lines of " + log.getFileName());
            lines.subList(Math.max(0, lines.size() - 15), lines.size()).forEach(System.err::println);
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
