package dev.parley.app.bots;

import dev.parley.protocol.HostPort;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.concurrent.Callable;
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

    @Override
    public Integer call() throws Exception {
        BotsCommand.quietLogs();
        NioEventLoopGroup group = new NioEventLoopGroup(BotsCommand.BOT_LOOP_THREADS, new DefaultThreadFactory("serving", true));
        try (LocalServeRoles roles = new LocalServeRoles(group, HostPort.parse(login), HexFormat.of().parseHex(loginKey),
                data, count, seed)) {
            ChildJvm.answer("", line -> reply(roles, line));
        } finally {
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5_000);
        }
        return 0;
    }

    /** A malformed or failed request gets an {@code ERROR} line (the parent throws it as an IOException), not an exit. */
    private static String reply(LocalServeRoles roles, String line) {
        try {
            return command(roles, line);
        } catch (IOException | IllegalArgumentException e) {
            return "ERROR " + e.getMessage();
        }
    }

    private static String command(LocalServeRoles roles, String line) throws IOException {
        String[] words = line.split(" ");
        return switch (words[0]) {
            case "STATE" -> "STATE " + roles.serving().stream().map(ServeRoles.Serving::encode).collect(Collectors.joining(" "));
            case "KILL" -> {
                HostPort killed = roles.kill(index(roles, words));
                yield "KILLED " + (killed == null ? "-" : killed.toString());
            }
            case "START" -> {
                roles.start(index(roles, words));
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
