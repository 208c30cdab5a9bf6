package dev.parley.app.bots;

import dev.parley.protocol.Ed25519KeyPair;
import dev.parley.protocol.HostPort;
import dev.parley.protocol.tls.Tls;
import dev.parley.protocol.tls.TlsIdentity;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HexFormat;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code parley bots-serving} (hidden): the child side of {@link ServeRolesProcess}. */
@Command(name = "bots-serving", hidden = true,
        description = "Internal: the serving bots of 'parley bots --self-organizing' in a child JVM.")
public final class BotsServingCommand implements Callable<Integer> {
    @Option(names = "--login", required = true)
    String login;

    @Option(names = "--login-key", required = true, description = "The login server's public key, hex.")
    String loginKey;

    @Option(names = "--data", required = true)
    Path data;

    @Option(names = "--count", required = true)
    int count;

    @Option(names = "--seed", defaultValue = "1")
    long seed;

    /** Closes killed roles, one after another, after their KILL was answered. */
    private final ExecutorService closer = Executors.newSingleThreadExecutor(new DefaultThreadFactory("serving-closer", true));
    /** Role index → its killed predecessor's close, until a START waits for it (at most one per role). */
    private final Map<Integer, Future<?>> closing = new HashMap<>(); // command thread only

    @Override
    public Integer call() throws Exception {
        BotsCommand.quietLogs();
        // Before READY, as the parent's logins did for it (and as `parley supernode` does): a cold JVM
        // would spend its first role starts and probes loading and compiling Ed25519 and TLS.
        Ed25519KeyPair.warmUp(300);
        Tls.server(TlsIdentity.of(Ed25519KeyPair.fromSeed(new byte[Ed25519KeyPair.KEY_BYTES]), "warm-up", Instant.now()));
        NioEventLoopGroup group = new NioEventLoopGroup(BotsCommand.BOT_LOOP_THREADS, new DefaultThreadFactory("serving", true));
        try (LocalServeRoles roles = new LocalServeRoles(group, HostPort.parse(login), HexFormat.of().parseHex(loginKey),
                data, count, seed)) {
            ChildJvm.answer("", line -> reply(roles, line));
        } finally {
            closer.shutdown();
            closer.awaitTermination(30, TimeUnit.SECONDS);
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5_000);
        }
        return 0;
    }

    /** A malformed or failed request gets an {@code ERROR} line (the parent throws it as an IOException), not an exit. */
    private String reply(LocalServeRoles roles, String line) {
        try {
            return command(roles, line);
        } catch (IOException | IllegalArgumentException e) {
            return "ERROR " + e.getMessage();
        }
    }

    private void awaitClosed(int i) throws IOException {
        Future<?> f = closing.remove(i);
        if (f == null) {
            return;
        }
        try {
            f.get(30, TimeUnit.SECONDS); // a role's close is bounded (10 s)
        } catch (ExecutionException | TimeoutException e) {
            throw new IOException("closing role " + i + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    private String command(LocalServeRoles roles, String line) throws IOException {
        String[] words = line.split(" ");
        return switch (words[0]) {
            case "STATE" -> "STATE " + roles.serving().stream().map(ServeRoles.Serving::encode).collect(Collectors.joining(" "));
            case "KILL" -> {
                int i = index(roles, words);
                LocalServeRoles.Detached d = roles.detach(i);
                if (d != null) {
                    d.crash(); // its clients see their connections drop now
                    closing.put(i, closer.submit(d.role()::close)); // the rest after this answer
                }
                yield "KILLED " + (d == null || d.address() == null ? "-" : d.address().toString());
            }
            case "START" -> {
                int i = index(roles, words);
                awaitClosed(i); // as in one JVM: a role starts again only once its killed predecessor is closed
                roles.start(i);
                yield "OK";
            }
            default -> "ERROR unknown command " + line;
        };
    }

    private static int index(LocalServeRoles roles, String[] words) {
        int i = words.length == 2 ? Integer.parseInt(words[1]) : -1;
        if (i < 0 || i >= roles.count()) {
            throw new IllegalArgumentException("role index: " + String.join(" ", words) + " (expected: 0.." + (roles.count() - 1) + ")");
        }
        return i;
    }
}
