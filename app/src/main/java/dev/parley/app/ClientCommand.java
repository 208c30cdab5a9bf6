package dev.parley.app;

import dev.parley.client.ClientOptions;
import dev.parley.client.ParleyClient;
import dev.parley.client.serve.ServeSettings;
import dev.parley.client.call.CallListener;
import dev.parley.client.call.CallReport;
import dev.parley.client.call.EndReason;
import dev.parley.client.call.IncomingCallPolicy;
import dev.parley.codec.audio.AudioDevices;
import dev.parley.codec.audio.AudioSink;
import dev.parley.codec.audio.AudioSource;
import dev.parley.codec.audio.Wav;
import dev.parley.codec.opus.OpusLibraryInfo;
import dev.parley.codec.quality.Fidelity;
import dev.parley.codec.quality.FidelityResult;
import dev.parley.codec.sim.ImpairmentSpec;
import dev.parley.protocol.HostPort;
import dev.parley.protocol.ProtocolException;
import dev.parley.protocol.wire.SearchResult;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.InstantSource;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.CountDownLatch;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code parley client}: log in, join the overlay, search and call. */
@Command(name = "client", mixinStandardHelpOptions = true,
        description = {"Runs a client. With --call or --auto-answer it places or takes one call and exits when it ends "
                + "(input ended or BYE); otherwise it opens an interactive shell (type 'help')."})
final class ClientCommand implements Callable<Integer> {
    @Mixin
    ConfigFile.Flag config;

    @Mixin
    LogOptions logging;

    /** How long Ctrl-C / SIGTERM waits for the hang-up and for the report to be written, ms. */
    private static final long EXIT_WAIT_MS = 3000;
    @Option(names = "--login", paramLabel = "HOST:PORT", converter = HostPortConverter.class, defaultValue = "127.0.0.1:7000",
            split = ",", description = "The login server (default: ${DEFAULT-VALUE}). Several login servers sharing one "
                    + "database (A,B or --login repeated) are tried in this order, for the login and every credential renewal.")
    List<HostPort> logins;

    @Option(names = "--user", paramLabel = "NAME", description = "Your username (3-32 of a-z 0-9 . _ -).")
    String user;

    @Option(names = "--password-file", paramLabel = "FILE",
            description = "File whose first line is your password (default: ask on the terminal).")
    Path passwordFile;

    @Option(names = "--data", paramLabel = "DIR", description = "Data directory: key, credential, host cache (default: parley-data/USER).")
    Path data;

    @Option(names = "--login-key", paramLabel = "FINGERPRINT",
            description = "Pin the login server's key by the fingerprint it prints at start (default: trust the key seen first "
                    + "and keep it in the data dir).")
    String loginKey;

    @Option(names = "--register", description = "Create the account if it does not exist.")
    boolean register;

    @Option(names = "--supernode", paramLabel = "HOST:PORT", converter = HostPortConverter.class,
            description = "Register with this super node instead of choosing from the host cache.")
    HostPort superNode;

    @Mixin
    ServeOptions serving;

    @ArgGroup(exclusive = true)
    Mode mode;

    static final class Mode {
        @Option(names = "--auto-answer", description = "Answer the first incoming call, then exit when it ends.")
        boolean autoAnswer;

        @Option(names = "--call", paramLabel = "NAME", description = "Call this user, then exit when the call ends.")
        String call;

        @Option(names = "--nat-info", description = "Probe the NAT with STUN against two super nodes from the host cache "
                + "(logging in first if the cache has fewer than two), print the mapping as text and JSON, then exit.")
        boolean natInfo;
    }

    @Mixin
    AudioOptions audio;

    @Option(names = "--report", paramLabel = "JSON", description = "Write the call report here.")
    Path report;

    @Option(names = "--reference", paramLabel = "WAV",
            description = "Score the --record'ed audio against this clip (what the peer played) and add 'fidelity' to the report.")
    Path reference;

    @Option(names = "--bitrate", paramLabel = "KBPS", defaultValue = "32", description = "Opus bitrate to send, 32..64 (default: ${DEFAULT-VALUE}).")
    int bitrateKbps;

    @Option(names = "--jitter-buffer-ms", paramLabel = "MS|auto", defaultValue = "auto", converter = JitterBufferConverter.class,
            description = "Jitter-buffer delay: auto (adaptive, follows the measured jitter) or a fixed 20..1000 ms (default: ${DEFAULT-VALUE}).")
    int jitterBufferMs;

    @Option(names = "--impair", paramLabel = "SPEC", converter = ImpairmentConverter.class,
            description = "Impair the media this client receives, for testing: e.g. loss=10%%,burst=2,jitter=40ms "
                    + "(keys: loss, burst, delay, jitter, reorder, dup, seed).")
    ImpairmentSpec impairment;

    @Option(names = "--stats-interval", paramLabel = "SECONDS", defaultValue = "5",
            description = "During a call, print a one-line quality status to stderr this often; 0 = never (default: ${DEFAULT-VALUE}).")
    int statsIntervalSeconds;

    @Option(names = "--wait-online", paramLabel = "SECONDS", defaultValue = "30",
            description = "With --call: how long to wait for the callee to come online (default: ${DEFAULT-VALUE}).")
    int waitOnlineSeconds;

    @Option(names = "--wait-supernode", paramLabel = "SECONDS", defaultValue = "30",
            description = "How long to wait for the overlay's first super node when the login server knows none yet "
                    + "(a new overlay of clients only); then exit with status 4 (default: ${DEFAULT-VALUE}).")
    int waitSuperNodeSeconds;

    @Option(names = "--ring-timeout", paramLabel = "SECONDS", defaultValue = "60", description = "Give up ringing after this long (default: ${DEFAULT-VALUE}).")
    int ringTimeoutSeconds;

    @Option(names = "--relay-only", description = "Offer and check only relayed candidates: media always goes through a "
            + "super node's relay (tests, relay latency measurements).")
    boolean relayOnly;

    @Option(names = "--list-devices", description = "List audio capture and playback devices, then exit.")
    boolean listDevices;

    @Override
    public Integer call() throws Exception {
        ServeSettings serve = serving.settings(mode == null || mode.call == null);
        if (listDevices) {
            var devices = AudioDevices.list();
            System.out.println("capture devices:" + (devices.capture().isEmpty() ? " none" : ""));
            devices.capture().forEach(d -> System.out.println("  " + d));
            System.out.println("playback devices:" + (devices.playback().isEmpty() ? " none" : ""));
            devices.playback().forEach(d -> System.out.println("  " + d));
            return 0;
        }
        if (mode != null && mode.natInfo) {
            if (user == null && data == null) {
                System.err.println("parley client: --nat-info needs --user or --data (for the host cache)");
                return 2;
            }
            return NatInfo.run(dataDir(), superNode, logins.getFirst(), user, passwordFile == null ? null : readPassword());
        }
        if (user == null) {
            System.err.println("parley client: --user is required");
            return ExitCodes.USAGE;
        }
        boolean autoAnswer = mode != null && mode.autoAnswer;
        String callee;
        try { // everything a typo can break, before anything starts
            callee = mode == null || mode.call == null ? null : ClientChecks.callee(mode.call, user);
            ClientChecks.bitrate(bitrateKbps);
            ClientChecks.positiveSeconds("--wait-supernode", waitSuperNodeSeconds);
            ClientChecks.playable("--play", audio.play);
            ClientChecks.writable("--record", audio.record);
            ClientChecks.writable("--report", report);
            ClientChecks.readable("--reference", reference);
            password = passwordFile == null ? PasswordPrompt.ask(user, register) : readPassword();
        } catch (ClientChecks.UsageException | IOException e) {
            System.err.println("parley client: " + Errors.describe(e));
            return ExitCodes.USAGE;
        }
        boolean interactive = callee == null && !autoAnswer;
        ShellView view = new ShellView(user.toLowerCase(Locale.ROOT));
        CallPrinter printer = new CallPrinter(view);
        ShellLog.Screen screen = interactive ? ShellLog.install(dataDir()) : null;
        CompletableFuture<CallReport> firstCall = new CompletableFuture<>();
        IncomingCallPolicy policy = autoAnswer ? autoAnswerOnce() : (id, caller) -> new IncomingCallPolicy.Ring();
        CallListener listener = interactive ? printer : new ConsoleCallListener(callee, ringTimeoutSeconds, firstCall);
        ClientOptions options = options(policy, listener);
        ScheduledExecutorService statusTimer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "call-status");
            t.setDaemon(true);
            return t;
        });
        CountDownLatch finished = new CountDownLatch(1);
        System.err.println("parley client: signing in to " + logins.getFirst() + " as " + user + " and joining the overlay...");
        ParleyClient started;
        try {
            started = ParleyClient.start(options, serve);
        } catch (ProtocolException | IOException e) {
            statusTimer.shutdownNow();
            System.err.println("parley client: " + Errors.describe(e));
            return ExitCodes.ofStartFailure(e);
        }
        try (ParleyClient client = started) {
            // Ctrl-C or SIGTERM: hang up (the peer hears BYE at once, not after its media timeout),
            // then let the main thread write the report and close the recording before the JVM halts.
            boolean reportPending = callee != null || autoAnswer;
            Thread exitHook = new Thread(() -> hangUpOnExit(client, finished, reportPending), "parley-exit");
            Runtime.getRuntime().addShutdownHook(exitHook);
            System.err.println(client.username() + " online via super node " + client.superNode()
                    + (impairment == null || impairment.isNone() ? "" : "; impairing received media: " + impairment));
            if (statsIntervalSeconds > 0 && (callee != null || autoAnswer)) {
                statusTimer.scheduleAtFixedRate(() -> printStatus(client), statsIntervalSeconds, statsIntervalSeconds,
                        TimeUnit.SECONDS);
            }
            if (callee != null) {
                return placeCall(client, callee);
            }
            if (autoAnswer) {
                System.err.println("waiting for a call...");
                CompletableFuture.anyOf(firstCall, client.disconnected()).get();
                return finish(firstCall.getNow(null));
            }
            screen.route(view::notice);
            audio.notices(view::notice);
            ShellCommands commands = new ShellCommands(client, audio, view, printer);
            new ChatCommands(client.chat(), view).install(commands);
            return new Shell(commands, view).run();
        } finally {
            finished.countDown();
            statusTimer.shutdownNow();
        }
    }

    /**
     * Shutdown hook: ends the call, if any, on the call engine's thread and waits (bounded) until the
     * super node took the BYE, then (bounded) for the main thread's report and recording.
     */
    private static void hangUpOnExit(ParleyClient client, CountDownLatch finished, boolean reportPending) {
        if (finished.getCount() == 0) {
            return; // a normal exit: the client is closed, its call ended
        }
        try {
            System.err.println("parley client: stopping...");
            if (client.calls().hangupAll().get(EXIT_WAIT_MS, TimeUnit.MILLISECONDS)) {
                System.err.println("parley client: stopping: hung up (the peer was told)");
            }
            if (reportPending) { // the main thread writes the report and closes the recording
                finished.await(EXIT_WAIT_MS, TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException | RejectedExecutionException e) {
            System.err.println("parley client: stopping: " + e);
        }
    }

    /** The periodic one-line call status on stderr. */
    private static void printStatus(ParleyClient client) {
        try {
            var stats = client.calls().stats().get(2, TimeUnit.SECONDS);
            var security = client.calls().security().get(2, TimeUnit.SECONDS);
            if (stats != null) {
                System.err.println("[call] " + (security == null ? "" : "SAS " + security.sas() + " | ") + stats.statusLine());
            }
        } catch (Exception e) {
            // the call is ending: no status this time
        }
    }

    private IncomingCallPolicy autoAnswerOnce() {
        boolean[] answered = {false};
        // Open the audio now, not when the call arrives: device lookup and file creation take tens
        // of ms, which would add to the call's setup (docs/nat.md "Setup time").
        AudioSource source;
        AudioSink sink;
        String problem = null;
        try {
            source = audio.source();
            sink = audio.sink();
        } catch (IOException e) {
            source = null;
            sink = null;
            problem = Errors.describe(e);
        }
        AudioSource answerSource = source;
        AudioSink answerSink = sink;
        String answerProblem = problem;
        return (id, caller) -> {
            if (answered[0]) {
                return new IncomingCallPolicy.Decline("busy");
            }
            answered[0] = true;
            if (answerProblem != null) {
                System.err.println("parley client: cannot answer: " + answerProblem);
                return new IncomingCallPolicy.Decline("audio unavailable");
            }
            return new IncomingCallPolicy.Answer(answerSource, answerSink);
        };
    }

    private int placeCall(ParleyClient client, String callee) throws Exception {
        if (!client.search(callee).get(30, TimeUnit.SECONDS).getFound() && !accountExists(client, callee)) {
            System.err.println("parley client: " + callee + ": no such user");
            return finish(CallReport.notStarted(callee, EndReason.NO_SUCH_USER, ""));
        }
        SearchResult found = client.awaitOnline(callee, Duration.ofSeconds(waitOnlineSeconds), () -> System.err.println(
                "parley client: " + callee + " is not online (yet); waiting up to " + waitOnlineSeconds + " s (--wait-online)"));
        if (!found.getFound()) {
            System.err.println("parley client: user '" + callee + "' is not online (searched " + found.getSupernodesContacted()
                    + " super nodes for " + waitOnlineSeconds + " s)");
            return finish(CallReport.notStarted(callee, EndReason.UNREACHABLE, "user '" + callee + "' is not online"));
        }
        System.err.println("found " + callee + " at super node " + HostPort.of(found.getRecord().getSuperNode())
                + " (" + found.getSupernodesContacted() + " super nodes contacted, " + found.getElapsedMs() + " ms); calling...");
        search.put("supernodes_contacted", found.getSupernodesContacted());
        search.put("elapsed_ms", found.getElapsedMs());
        search.put("super_node", HostPort.of(found.getRecord().getSuperNode()).toString());
        return finish(client.calls().call(callee, audio.source(), audio.sink()).get());
    }

    /** @return false only if the login server says there is no such account (true when it cannot be asked) */
    private static boolean accountExists(ParleyClient client, String name) {
        try {
            return client.accountExists(name).get(10, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            return true; // then wait for them as before
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return true;
        }
    }

    /** Outcome of the search that preceded an outgoing call, for the report. */
    private final Map<String, Object> search = new LinkedHashMap<>();

    private int finish(CallReport r) throws IOException {
        if (r == null) {
            System.err.println("parley client: disconnected from the super node");
            return ExitCodes.UNREACHABLE;
        }
        Map<String, Object> out = new LinkedHashMap<>(r.toMap());
        if (!search.isEmpty()) {
            out.put("search", search);
        }
        out.put("impairment", impairment == null ? "none" : impairment.toString());
        try {
            out.put("opus", OpusLibraryInfo.version() + " (" + OpusLibraryInfo.source() + ")");
        } catch (RuntimeException | LinkageError e) {
            out.put("opus", "unavailable");
        }
        if (reference != null && audio.record != null && r.connected()) {
            FidelityResult f = Fidelity.score(Wav.readMono48k(reference), Wav.readMono48k(audio.record));
            out.put("fidelity", f.score());
        }
        System.err.println("call " + (r.connected() ? "ended" : "failed") + ": " + r.endReason());
        if (report != null) {
            Reports.write(report, out);
        }
        return r.connected() ? ExitCodes.OK : ExitCodes.CALL_FAILED;
    }

    /**
     * @return the client's options from the command line; call ids, SSRCs and ICE credentials come
     *     from a {@link SecureRandom} (a seeded non-cryptographic generator would let one observed
     *     call id predict the next)
     * @throws IOException if the password file cannot be read
     */
    ClientOptions options(IncomingCallPolicy policy, CallListener listener) throws IOException {
        return new ClientOptions(logins.getFirst(), user, readPassword(), dataDir(), register, superNode,
                bitrateKbps, jitterBufferMs, Duration.ofSeconds(ringTimeoutSeconds), policy, listener,
                InstantSource.system(), new SecureRandom(),
                impairment == null ? ImpairmentSpec.NONE : impairment).withRelayOnly(relayOnly).withLoginKey(loginKey).withLogins(logins)
                .withBootstrapWait(Duration.ofSeconds(waitSuperNodeSeconds));
    }

    /** The password typed at the prompt when no --password-file is given. */
    private @Nullable String password;

    private String readPassword() throws IOException {
        if (passwordFile == null) {
            return password;
        }
        String first = Files.readAllLines(passwordFile, StandardCharsets.UTF_8).stream().findFirst().orElse("");
        if (first.isEmpty()) {
            throw new IOException(passwordFile + ": empty (expected: the password on the first line)");
        }
        return first;
    }

    private Path dataDir() {
        return data != null ? data : Path.of("parley-data", user.toLowerCase(Locale.ROOT));
    }
}
