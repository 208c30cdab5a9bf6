package dev.parley.app;

import dev.parley.nat.stun.StunCodec;
import dev.parley.nat.stun.StunMessage;
import dev.parley.nat.stun.StunSeal;
import dev.parley.nat.stun.TransactionId;
import dev.parley.nat.turn.ChannelData;
import dev.parley.nat.turn.TurnException;
import dev.parley.nat.turn.TurnMessages;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * coturn, the standard TURN server, driven by the same load as Parley's relay: a
 * {@code turnserver} process on loopback started here (no configuration file, no authentication,
 * UDP only, loopback peers allowed, {@code --relay-threads} as given, log in a temporary file). Each
 * call's caller is a TURN client: Allocate, CreatePermission and ChannelBind to its callee (RFC
 * 8656 §7, §9, §11), then sends ChannelData (§12.4); the callee is the peer and sends bare RTP to
 * the caller's relayed address. So each media packet crosses coturn once, as it crosses Parley's
 * relay once. CPU is the whole process's ({@code /proc/PID/stat}).
 */
final class CoturnRelay implements AutoCloseable {
    /** Channel number every caller binds (each on its own allocation). */
    static final int CHANNEL = ChannelData.MIN_CHANNEL;
    private static final int SETUP_BATCH = 200;

    private final Process process;
    private final Path dir;
    private final InetSocketAddress address;
    private final int relayThreads;

    /** coturn is not installed. */
    static final class UnavailableException extends Exception {
        private static final long serialVersionUID = 1L;

        UnavailableException(String message) {
            super(message);
        }
    }

    /** @return the turnserver executable on PATH (or in /usr/bin), if any */
    static Optional<Path> find() {
        String path = System.getenv("PATH");
        return find((path == null ? "" : path + ":") + "/usr/bin");
    }

    /**
     * @param searchPath directories separated by ':'
     * @return the first executable {@code turnserver} in them, if any
     */
    static Optional<Path> find(String searchPath) {
        List<Path> candidates = new ArrayList<>();
        for (String d : searchPath.split(":")) {
            if (!d.isEmpty()) {
                candidates.add(Path.of(d, "turnserver"));
            }
        }
        return candidates.stream().filter(Files::isExecutable).findFirst();
    }

    /**
     * Starts coturn on 127.0.0.1 and waits (≤ 5 s) until it answers a STUN Binding request.
     *
     * @param relayThreads coturn's {@code --relay-threads}, 1..2
     * @param calls how many allocations it must hold (sizes its relay port range)
     * @throws UnavailableException if turnserver is not installed
     * @throws IOException if it does not start
     */
    CoturnRelay(int relayThreads, int calls) throws UnavailableException, IOException, InterruptedException {
        Path exe = find().orElseThrow(() -> new UnavailableException(
                "coturn not found: no turnserver on PATH or in /usr/bin (install the Debian package coturn)"));
        this.relayThreads = relayThreads;
        int port;
        try (DatagramSocket probe = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort(); // free now; coturn binds it a moment later
        }
        this.address = new InetSocketAddress("127.0.0.1", port);
        this.dir = Files.createTempDirectory("parley-coturn");
        // Relay ports below Linux's ephemeral range (32768..60999), where the load's sockets live.
        int minPort = 20_000;
        int maxPort = minPort + Math.max(1000, 2 * calls);
        List<String> cmd = List.of(exe.toString(), "-n", "--no-auth", "--listening-ip", "127.0.0.1",
                "--relay-ip", "127.0.0.1", "--listening-port", Integer.toString(port),
                "--min-port", Integer.toString(minPort), "--max-port", Integer.toString(maxPort),
                "--relay-threads", Integer.toString(relayThreads), "--no-tcp", "--no-tls", "--no-dtls", "--no-cli",
                "--no-tcp-relay", "--allow-loopback-peers", "--no-multicast-peers", "--no-rfc5780",
                "--no-software-attribute", "--total-quota", "0", "--user-quota", "0",
                "--log-file", dir.resolve("turnserver.log").toString(), "--simple-log", "--no-stdout-log",
                "--pidfile", dir.resolve("turnserver.pid").toString());
        this.process = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(dir.resolve("turnserver.out").toFile()).start();
        awaitReady();
    }

    private void awaitReady() throws IOException {
        byte[] request = StunCodec.encode(StunMessage.bindingRequest(TransactionId.random(new SplittableRandom(3))),
                StunSeal.none());
        try (DatagramSocket s = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            s.setSoTimeout(100);
            for (int attempt = 0; attempt < 50 && process.isAlive(); attempt++) {
                s.send(new DatagramPacket(request, request.length, address));
                try {
                    s.receive(new DatagramPacket(new byte[1500], 1500));
                    return;
                } catch (SocketTimeoutException e) {
                    // not up yet
                }
            }
        }
        close();
        throw new IOException("turnserver did not answer on " + address + " within 5 s (exit: "
                + (process.isAlive() ? "still running" : process.exitValue()) + ")");
    }

    /**
     * Gives every call a TURN allocation: the caller (party 2i) allocates, permits and binds
     * {@link #CHANNEL} to its callee (party 2i+1).
     *
     * @return per party, where it sends (caller: the server; callee: the caller's relayed address)
     * @throws TurnException if coturn refuses a request
     */
    InetSocketAddress[] allocate(RelayLoad load) throws Exception {
        int calls = load.size() / 2;
        InetSocketAddress[] dest = new InetSocketAddress[load.size()];
        SplittableRandom ids = new SplittableRandom(8656);
        for (int from = 0; from < calls; from += SETUP_BATCH) {
            int to = Math.min(calls, from + SETUP_BATCH);
            List<CompletableFuture<StunMessage>> answers = new ArrayList<>();
            for (int call = from; call < to; call++) {
                answers.add(load.transact(2 * call, TurnMessages.allocate(TransactionId.random(ids)), address));
            }
            for (int call = from; call < to; call++) {
                StunMessage m = await(answers.get(call - from));
                TurnMessages.requireSuccess(m, TurnMessages.ALLOCATE);
                dest[2 * call] = address;
                dest[2 * call + 1] = TurnMessages.relayedAddress(m);
            }
            answers.clear();
            for (int call = from; call < to; call++) {
                InetSocketAddress peer = load.address(2 * call + 1);
                answers.add(load.transact(2 * call, TurnMessages.createPermission(TransactionId.random(ids), peer), address));
                answers.add(load.transact(2 * call, TurnMessages.channelBind(TransactionId.random(ids), CHANNEL, peer), address));
            }
            for (int k = 0; k < answers.size(); k++) {
                TurnMessages.requireSuccess(await(answers.get(k)),
                        k % 2 == 0 ? TurnMessages.CREATE_PERMISSION : TurnMessages.CHANNEL_BIND);
            }
        }
        return dest;
    }

    private static StunMessage await(CompletableFuture<StunMessage> f) throws Exception {
        try {
            return f.get(5, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw new TurnException("coturn: " + e.getCause().getMessage());
        }
    }

    /** @return coturn's CPU time so far (all threads), ns */
    long cpuNanos() throws IOException {
        return ProcCpu.processNanos(process.pid());
    }

    int relayThreads() {
        return relayThreads;
    }

    /** @return "coturn 4.6.1" or so, from the executable */
    static String version() {
        try {
            Process p = new ProcessBuilder(find().orElseThrow().toString(), "--version").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readNBytes(200)).strip();
            p.waitFor(2, TimeUnit.SECONDS);
            return "coturn " + out.lines().reduce((a, b) -> b).orElse("?");
        } catch (IOException | RuntimeException | InterruptedException e) {
            return "coturn (version unknown)";
        }
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(3, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(2, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException e) {
            // a temporary directory left behind
        }
    }
}
