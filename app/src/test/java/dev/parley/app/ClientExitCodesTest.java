package dev.parley.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.login.Argon2Params;
import dev.parley.login.LoginServer;
import dev.parley.login.LoginServerConfig;
import dev.parley.protocol.HostPort;
import java.io.PrintStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code parley client}'s early errors and exit statuses (README "Exit status"): usage errors fail
 * at once with one line and status 2, before anything starts; a server that cannot be reached is 4,
 * a refused password 5.
 */
class ClientExitCodesTest {
    @TempDir
    Path dir;

    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private PrintStream savedErr;

    @BeforeEach
    void captureStderr() {
        savedErr = System.err;
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void restoreStderr() {
        System.setErr(savedErr);
    }

    private String stderr() {
        return err.toString(StandardCharsets.UTF_8);
    }

    private int client(String login, String... more) throws Exception {
        Path pw = dir.resolve("alice.password");
        Files.writeString(pw, "alice-exit-code-password\n");
        List<String> args = new ArrayList<>(List.of("client", "--login", login, "--user", "alice", "--password-file", pw.toString(),
                "--data", dir.resolve("alice").toString()));
        args.addAll(List.of(more));
        err.reset();
        return Main.commandLine().execute(args.toArray(String[]::new));
    }

    /** Nothing listens on port 1 of loopback: a usage check that passed would show as status 4. */
    private static final String NOWHERE = "127.0.0.1:1";

    @Test
    void usageErrorsFailAtOnceWithOneLineAndNothingStarted() throws Exception {
        long start = System.nanoTime();
        assertThat(client(NOWHERE, "--call", "bob", "--bitrate", "128")).isEqualTo(ExitCodes.USAGE);
        assertThat(stderr()).contains("--bitrate 128 kbps (expected: 32..64)").doesNotContain("signing in");

        assertThat(client(NOWHERE, "--call", "Alice")).isEqualTo(ExitCodes.USAGE);
        assertThat(stderr()).contains("you cannot call yourself").doesNotContain("busy");

        assertThat(client(NOWHERE, "--call", "no such name!")).isEqualTo(ExitCodes.USAGE);

        assertThat(client(NOWHERE, "--call", "bob", "--wait-supernode", "0")).isEqualTo(ExitCodes.USAGE);
        assertThat(stderr()).contains("--wait-supernode 0 s (expected: > 0)");

        Path flac = dir.resolve("song.flac.wav");
        Files.write(flac, "fLaC\0\0\0\"\u0010\0\u0010\0 plus some audio bytes".getBytes(StandardCharsets.ISO_8859_1));
        assertThat(client(NOWHERE, "--call", "bob", "--play", flac.toString())).isEqualTo(ExitCodes.USAGE);
        assertThat(stderr().strip()).as("one line, no raw bytes").doesNotContain("\n").contains("a FLAC file")
                .doesNotContain("\u0010");

        assertThat(client(NOWHERE, "--call", "bob", "--record", dir.toString())).isEqualTo(ExitCodes.USAGE);
        assertThat(stderr()).contains("is a directory");
        assertThat(System.nanoTime() - start).as("no waiting").isLessThan(5_000_000_000L);
    }

    @Test
    void anUnreachableLoginServerIsStatus4AndAWrongPasswordStatus5() throws Exception {
        assertThat(client(NOWHERE, "--call", "bob")).isEqualTo(ExitCodes.UNREACHABLE);
        assertThat(stderr()).contains("signing in to " + NOWHERE);

        try (LoginServer login = LoginServer.start(LoginServerConfig.defaults(new HostPort("127.0.0.1", 0), dir.resolve("login"))
                .withArgon2(new Argon2Params(64, 1, 1)))) {
            String address = login.boundAddress().toString();
            // the account is made; no super node runs, so joining the overlay fails: unreachable, after the
            // --wait-supernode wait (shortened from its 30 s default: the status is what is tested here)
            long start = System.nanoTime();
            assertThat(client(address, "--register", "--call", "bob", "--wait-supernode", "1")).isEqualTo(ExitCodes.UNREACHABLE);
            assertThat(stderr()).contains("no super node in the overlay after 1000 ms");
            assertThat(System.nanoTime() - start).as("waited --wait-supernode, not the default").isLessThan(20_000_000_000L);
            Files.writeString(dir.resolve("wrong.password"), "not-alices-password\n");
            err.reset();
            int wrong = Main.commandLine().execute("client", "--login", address, "--user", "alice", "--password-file",
                    dir.resolve("wrong.password").toString(), "--data", dir.resolve("alice2").toString(), "--call", "bob");
            assertThat(wrong).as("stderr: %s", stderr()).isEqualTo(ExitCodes.AUTHENTICATION);
        }
    }
}
