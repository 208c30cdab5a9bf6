package dev.parley.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.codec.audio.Clips;
import dev.parley.codec.audio.Wav;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Stopping a client mid-call (SIGTERM, as Ctrl-C or a service manager does), with real processes:
 * the peer hears the hang-up at once, and both reports and the recording are written whole.
 * Before: no BYE (the callee sat in a dead call for 31.5 s), no report, a WAV with an empty header.
 */
class ClientExitTest {
    @TempDir
    Path work;

    /** One login server and super node for the class (each test has its own users): as a user meets them. */
    private static ProcessGroup servers;
    private static String loginAddr;
    private static String snAddr;

    @BeforeAll
    static void startServers(@TempDir Path dir) throws Exception {
        servers = new ProcessGroup(dir.resolve("logs"));
        Process login = servers.start("login-server", List.of("login-server", "--listen", "127.0.0.1:0", "--data",
                dir.resolve("login").toString()));
        loginAddr = ProcessGroup.awaitFile(dir.resolve("login/address"), login, Duration.ofSeconds(60), "login server");
        Path snDir = dir.resolve("sn");
        Process sn = servers.start("supernode", List.of("supernode", "--listen", "127.0.0.1:0", "--login", loginAddr,
                "--data", snDir.toString(), "--heartbeat-ms", "1000", "--enroll", enrolmentToken(dir.resolve("login"))));
        snAddr = ProcessGroup.awaitFile(snDir.resolve("address"), sn, Duration.ofSeconds(60), "super node");
    }

    @AfterAll
    static void stopServers() {
        if (servers != null) {
            servers.close();
        }
    }

    @Test
    void sigtermMidCallHangsUpAndWritesReportsAndRecording() throws Exception {
        Path clip = work.resolve("clip.wav");
        short[] speech = Clips.speechSample();
        short[] twice = new short[speech.length * 2];
        System.arraycopy(speech, 0, twice, 0, speech.length);
        System.arraycopy(speech, 0, twice, speech.length, speech.length);
        Wav.writeMono48k(clip, twice); // ~23 s: the call is still going when alice is stopped
        Path record = work.resolve("bob.wav");
        Path aliceReport = work.resolve("alice.json");
        Path bobReport = work.resolve("bob.json");
        try (ProcessGroup procs = new ProcessGroup(work.resolve("logs"))) {
            Process bob = procs.start("bob", client(loginAddr, snAddr, "bob", "--auto-answer", "--record", record.toString(),
                    "--report", bobReport.toString()));
            Process alice = procs.start("alice", client(loginAddr, snAddr, "alice", "--call", "bob", "--play", clip.toString(),
                    "--report", aliceReport.toString(), "--stats-interval", "1"));
            awaitLine(procs.log("alice"), "[call]", alice, Duration.ofSeconds(90)); // media flows

            alice.destroy(); // SIGTERM
            assertThat(alice.waitFor(15, TimeUnit.SECONDS)).as("alice stops").isTrue();
            assertThat(bob.waitFor(15, TimeUnit.SECONDS)).as("bob's call ends with alice's BYE, not a media timeout").isTrue();
        }
        Map<String, Object> a = Reports.read(aliceReport);
        Map<String, Object> b = Reports.read(bobReport);
        assertThat(a.get("end")).isEqualTo("hung_up");
        assertThat(a.get("connected")).isEqualTo(true);
        assertThat(b.get("end")).isEqualTo("remote_hung_up");
        assertThat(((Number) b.get("packets_received")).longValue()).isGreaterThan(25);
        short[] heard = Wav.readMono48k(record); // a whole WAV: header sizes written on close
        assertThat(heard.length).isGreaterThan(48_000 / 2);
    }

    /** SIGTERM to a client in its interactive shell mid-call: the peer hears the hang-up at once too. */
    @Test
    void sigtermInTheShellMidCallHangsUp() throws Exception {
        Path clip = work.resolve("clip.wav");
        Wav.writeMono48k(clip, Clips.speechSample());
        Path bobReport = work.resolve("bob.json");
        try (ProcessGroup procs = new ProcessGroup(work.resolve("logs"))) {
            Process bob = procs.start("bob", client(loginAddr, snAddr, "dave", "--auto-answer", "--report", bobReport.toString(),
                    "--stats-interval", "1"));
            Process alice = procs.startInteractive("alice", client(loginAddr, snAddr, "carol", "--play", clip.toString()));
            awaitLine(procs.log("bob"), "waiting for a call", bob, Duration.ofSeconds(60));
            awaitLine(procs.log("alice"), "Type 'help' for the commands", alice, Duration.ofSeconds(60));
            alice.getOutputStream().write("call dave\n".getBytes(StandardCharsets.UTF_8));
            alice.getOutputStream().flush();
            awaitLine(procs.log("bob"), "[call]", bob, Duration.ofSeconds(60)); // media flows

            alice.destroy(); // SIGTERM
            assertThat(alice.waitFor(15, TimeUnit.SECONDS)).as("alice stops").isTrue();
            assertThat(bob.waitFor(10, TimeUnit.SECONDS)).as("bob's call ends with alice's BYE").isTrue();
        }
        assertThat(Reports.read(bobReport).get("end")).isEqualTo("remote_hung_up");
    }

    /**
     * A client killed mid-call (SIGKILL: no hook, no BYE): its super node tells the peer, whose call
     * ends within seconds as "the peer's connection was lost". Before: 31.5 s in a dead call
     * (1.5 s without media, then 30 s of renegotiation attempts).
     */
    @Test
    void aPeerKilledMidCallEndsTheCallWithinSecondsThroughItsSuperNodesNotice() throws Exception {
        Path clip = work.resolve("clip.wav");
        Wav.writeMono48k(clip, Clips.speechSample());
        Path bobReport = work.resolve("bob.json");
        try (ProcessGroup procs = new ProcessGroup(work.resolve("logs"))) {
            Process bob = procs.start("bob", client(loginAddr, snAddr, "frank", "--auto-answer", "--report", bobReport.toString(),
                    "--stats-interval", "1"));
            Process alice = procs.start("alice", client(loginAddr, snAddr, "erin", "--call", "frank", "--play", clip.toString()));
            awaitLine(procs.log("bob"), "[call]", bob, Duration.ofSeconds(90)); // media flows

            alice.destroyForcibly(); // SIGKILL
            long killedAt = System.nanoTime();
            assertThat(bob.waitFor(10, TimeUnit.SECONDS)).as("bob's call ends on the super node's notice, not after 31.5 s")
                    .isTrue();
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt)).isLessThan(10_000);
        }
        Map<String, Object> b = Reports.read(bobReport);
        assertThat(b.get("end")).isEqualTo("peer_lost");
        assertThat(b.get("end_reason")).isEqualTo("the peer's connection was lost");
    }

    private List<String> client(String login, String superNode, String user, String... more) throws IOException {
        Path pw = work.resolve(user + ".password");
        Files.writeString(pw, user + "-exit-password\n", StandardCharsets.UTF_8);
        List<String> args = new ArrayList<>(List.of("client", "--login", login, "--user", user, "--password-file", pw.toString(),
                "--data", work.resolve(user).toString(), "--register", "--supernode", superNode));
        args.addAll(List.of(more));
        return args;
    }

    /** Polls a child's log for a line containing {@code text}, with a deadline. */
    private static void awaitLine(Path log, String text, Process owner, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (Files.exists(log) && Files.readString(log, StandardCharsets.UTF_8).contains(text)) {
                return;
            }
            assertThat(owner.isAlive()).as("%s still running; log: %s", log, Files.exists(log) ? Files.readString(log) : "").isTrue();
            TimeUnit.MILLISECONDS.sleep(100); // polling another process's log file, with a deadline
        }
        throw new AssertionError("no '" + text + "' in " + log + " within " + timeout);
    }

    /** The operator's step: {@code parley login-server enroll} prints a token on standard output. */
    static String enrolmentToken(Path loginData) {
        StringWriter out = new StringWriter();
        CommandLine cl = Main.commandLine();
        cl.setOut(new PrintWriter(out));
        assertThat(cl.execute("login-server", "enroll", "--data", loginData.toString())).isZero();
        String token = out.toString().strip();
        assertThat(token).matches("[0-9a-f]{40}");
        return token;
    }
}
