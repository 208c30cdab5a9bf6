package dev.parley.app;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A real terminal for tests: programs run in panes of a private tmux server (its own socket, so a
 * developer's sessions are untouched), driven by {@code send-keys} and read by {@code capture-pane}.
 */
final class Tmux implements AutoCloseable {
    private final String socket;

    /** @param socket a name for this test's tmux server (unique per test run) */
    Tmux(String socket) {
        this.socket = socket;
    }

    /** @return whether tmux is installed */
    static boolean available() {
        return Files.isExecutable(Path.of("/usr/bin/tmux")) || Files.isExecutable(Path.of("/usr/local/bin/tmux"));
    }

    /** Starts {@code command} in a new 160 x 50 session named {@code name}; the pane stays after it exits. */
    void start(String name, List<String> command) throws IOException, InterruptedException {
        List<String> args = new ArrayList<>(List.of("new-session", "-d", "-s", name, "-x", "160", "-y", "50"));
        args.addAll(command);
        args.addAll(List.of(";", "set-option", "-t", name, "remain-on-exit", "on"));
        run(args);
    }

    /** Types {@code keys} (tmux key names such as {@code Enter}, {@code Tab}, {@code C-c}, or literal text). */
    void send(String name, String... keys) throws IOException, InterruptedException {
        List<String> args = new ArrayList<>(List.of("send-keys", "-t", name));
        args.addAll(List.of(keys));
        run(args);
    }

    /** Types {@code text} literally and presses Enter. */
    void type(String name, String text) throws IOException, InterruptedException {
        run(List.of("send-keys", "-t", name, "-l", text));
        run(List.of("send-keys", "-t", name, "Enter"));
    }

    /** @return the pane's text, wrapped lines joined, with up to 500 lines of history */
    String screen(String name) throws IOException, InterruptedException {
        return run(List.of("capture-pane", "-p", "-J", "-S", "-500", "-t", name));
    }

    /** Polls the pane until {@code test} holds or {@code timeout} passes; returns the screen. */
    String await(String name, String what, Predicate<String> test, Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        String screen = "";
        while (System.nanoTime() < deadline) {
            screen = screen(name);
            if (test.test(screen)) {
                return screen;
            }
            TimeUnit.MILLISECONDS.sleep(100); // polling another process's terminal, with a deadline
        }
        throw new AssertionError("no " + what + " on " + name + "'s screen within " + timeout + "; screen:\n" + screen);
    }

    /** Polls the pane until it contains {@code text}. */
    String await(String name, String text, Duration timeout) throws IOException, InterruptedException {
        return await(name, "'" + text + "'", s -> s.contains(text), timeout);
    }

    private String run(List<String> args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("tmux", "-L", socket));
        cmd.addAll(args);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException("tmux " + String.join(" ", args) + ": " + out.strip());
        }
        return out;
    }

    @Override
    public void close() throws IOException, InterruptedException {
        Process p = new ProcessBuilder("tmux", "-L", socket, "kill-server").redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        p.waitFor(10, TimeUnit.SECONDS);
    }
}
