package dev.parley.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The interactive client as a person meets it, in a real terminal (tmux): a password prompt, help,
 * case-insensitive commands, TAB completion, a contact request accepted, presence pushed, messages
 * with receipts, a call shown in both prompts, log lines kept off the screen, and Ctrl-C that asks
 * first, then hangs up.
 */
class ShellTerminalTest {
    private static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    Path work;

    @Test
    void twoPeopleAddEachOtherChatCallAndCtrlCHangsUp() throws Exception {
        assumeTrue(Tmux.available() || "true".equals(System.getenv("CI")),
                "tmux not installed (apt-get install tmux): the terminal test of the shell is skipped");
        try (ProcessGroup procs = new ProcessGroup(work.resolve("logs"));
                Tmux tmux = new Tmux("parley-test-" + ProcessHandle.current().pid())) {
            Process login = procs.start("login-server", List.of("login-server", "--listen", "127.0.0.1:0", "--data",
                    work.resolve("login").toString()));
            String loginAddr = ProcessGroup.awaitFile(work.resolve("login/address"), login, WAIT, "login server");
            String token = ClientExitTest.enrolmentToken(work.resolve("login"));
            Process sn = procs.start("supernode", List.of("supernode", "--listen", "127.0.0.1:0", "--login", loginAddr,
                    "--data", work.resolve("sn").toString(), "--enroll", token));
            String snAddr = ProcessGroup.awaitFile(work.resolve("sn/address"), sn, WAIT, "super node");

            // alice has no password file: the client asks, twice for a new account, without echo
            tmux.start("alice", ProcessGroup.command(client(loginAddr, snAddr, "alice")));
            tmux.await("alice", "new password for alice:", WAIT);
            tmux.type("alice", "alice-terminal-pw");
            tmux.await("alice", "the same password again:", WAIT);
            tmux.type("alice", "alice-terminal-pw");
            tmux.await("alice", "alice (online)>", WAIT);
            assertThat(tmux.screen("alice")).doesNotContain("alice-terminal-pw");

            Path bobPassword = work.resolve("bob.password");
            Files.writeString(bobPassword, "bob-terminal-pw\n", StandardCharsets.UTF_8);
            List<String> bob = client(loginAddr, snAddr, "bob");
            bob.addAll(List.of("--password-file", bobPassword.toString()));
            tmux.start("bob", ProcessGroup.command(bob));
            tmux.await("bob", "bob (online)>", WAIT);

            tmux.type("alice", "HELP"); // commands are not case-sensitive
            tmux.await("alice", "end the current call (or stop calling)", WAIT);
            tmux.type("alice", "help call");
            tmux.await("alice", "Calls NAME.", WAIT);
            tmux.send("alice", "sea", "Tab"); // TAB completes the command name
            tmux.await("alice", "a completed 'search'", s -> s.stripTrailing().endsWith("alice (online)> search"), WAIT);
            tmux.type("alice", "bob");
            tmux.await("alice", "bob is online at super node " + snAddr, WAIT);

            // contacts: a request, accepted; presence pushed; messages both ways with receipts
            tmux.type("alice", "add bob hi, it's alice");
            tmux.await("bob", "alice asks to be your contact: \"hi, it's alice\" - type 'accept alice' or 'decline alice'", WAIT);
            tmux.type("bob", "accept alice");
            tmux.await("alice", "bob accepted your request: you are now contacts", WAIT);
            tmux.type("bob", "presence away at lunch");
            tmux.await("bob", "bob (away: at lunch)>", WAIT);
            tmux.await("alice", "* bob is away: at lunch", WAIT);
            tmux.type("alice", "contacts");
            tmux.await("alice", "a contact list", s -> s.matches("(?s).*\\n  bob +away: at lunch.*"), WAIT);
            tmux.type("alice", "msg bob are you there?");
            tmux.await("bob", "[alice] are you there?", WAIT);
            tmux.type("bob", "history alice");
            tmux.await("bob", "alice: are you there?", WAIT);
            tmux.type("bob", "msg alice back at 2");
            tmux.await("alice", "[bob] back at 2", WAIT);
            tmux.type("bob", "presence online");
            tmux.await("alice", "* bob is online", WAIT);
            tmux.send("alice", "history b", "Tab"); // TAB completes a contact's name
            tmux.await("alice", "a completed 'bob'", s -> s.stripTrailing().endsWith("> history bob"), WAIT);
            tmux.send("alice", "Enter");
            tmux.await("alice", "you: are you there?  [read]", WAIT); // bob's 'history' sent the read receipt
            tmux.type("alice", "devices bob"); // the devices of bob's that messages are sealed to
            tmux.await("alice", "bob's devices: ", WAIT);

            tmux.type("alice", "Call bob");
            tmux.await("bob", "incoming call from alice: type 'answer' or 'reject'", WAIT);
            tmux.await("bob", "bob (online, alice is calling)>", WAIT);
            tmux.type("bob", "answer");
            tmux.await("alice", "alice (online, in a call with bob)>", WAIT);
            tmux.await("bob", "bob (online, in a call with alice)>", WAIT);

            // INFO lines go to the dated file in the data dir, not over the prompt
            assertThat(tmux.screen("alice")).doesNotContain(" INFO ");
            Path log = work.resolve("alice/logs/client-" + LocalDate.now() + ".0.log");
            assertThat(Files.readString(log, StandardCharsets.UTF_8)).contains("alice registered with super node");

            tmux.send("alice", "C-c"); // asks first: quitting hangs up
            tmux.await("alice", "quit parley and hang up? (y/N)", WAIT);
            tmux.type("alice", "n");
            tmux.await("alice", "alice (online, in a call with bob)>", s -> s.stripTrailing().endsWith("in a call with bob)>"), WAIT);
            tmux.send("alice", "C-c");
            tmux.await("alice", "the question again", s -> s.stripTrailing().endsWith("quit parley and hang up? (y/N)"), WAIT);
            tmux.type("alice", "y");
            tmux.await("alice", "call with bob ended: hung up", WAIT);
            tmux.await("bob", "call with alice ended: remote hung up", WAIT);
            tmux.await("bob", "bob (online)>", WAIT);
        }
    }

    private List<String> client(String login, String superNode, String user) {
        return new ArrayList<>(List.of("client", "--login", login, "--user", user, "--data", work.resolve(user).toString(),
                "--register", "--supernode", superNode, "--log-level", "INFO"));
    }
}
