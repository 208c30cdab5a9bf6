package dev.parley.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.parley.client.LoginClient;
import dev.parley.client.SuperNodeSession;
import dev.parley.login.Argon2Params;
import dev.parley.login.LoginMetrics;
import dev.parley.login.LoginServer;
import dev.parley.login.LoginServerConfig;
import dev.parley.protocol.Ed25519KeyPair;
import dev.parley.protocol.HostPort;
import dev.parley.protocol.ProtocolException;
import dev.parley.protocol.tls.KeyPin;
import dev.parley.protocol.tls.Tls;
import dev.parley.protocol.wire.CallSignal;
import dev.parley.protocol.wire.ErrorCode;
import dev.parley.protocol.wire.LoginResult;
import dev.parley.supernode.SuperNode;
import dev.parley.supernode.SuperNodeConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.handler.ssl.SslContext;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A login server and a super node in this JVM, each with its metrics endpoint on a free loopback
 * port; real clients sign in, register and search over real sockets, and the counters are read back
 * by scraping {@code /metrics} over HTTP.
 */
class MetricsEndpointTest {
    private static final HostPort ANY_LOOPBACK = new HostPort("127.0.0.1", 0);
    private static final Duration TIMEOUT = Duration.ofSeconds(20);
    /** Scrapes timed on one connection. */
    private static final int SCRAPES = 25;

    @TempDir
    Path dir;

    private final List<AutoCloseable> open = new ArrayList<>();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final EventLoopGroup group = new NioEventLoopGroup(1);

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : open.reversed()) {
            c.close();
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    @Test
    void countersMoveAsClientsSignInRegisterAndSearch() throws Exception {
        PrometheusMeterRegistry loginRegistry = MetricsEndpoint.newRegistry();
        LoginServer login = LoginServer.start(LoginServerConfig.defaults(ANY_LOOPBACK, dir.resolve("login"))
                .withArgon2(new Argon2Params(64, 1, 1)), new LoginMetrics(loginRegistry));
        open.add(login);
        MetricsEndpoint loginMetrics = MetricsEndpoint.start(ANY_LOOPBACK, loginRegistry, () -> true);
        open.add(loginMetrics);

        PrometheusMeterRegistry nodeRegistry = MetricsEndpoint.newRegistry();
        SuperNodeConfig config = SuperNodeConfig.defaults(ANY_LOOPBACK, login.boundAddress(), dir.resolve("sn"))
                .withTimings(Duration.ofMillis(200), SuperNodeConfig.DEFAULT_PEER_REQUEST_TIMEOUT)
                .withEnrollToken(login.superNodes().createToken(Duration.ofMinutes(5)));
        // 1 search/s, burst 2: the burst of searches below runs into the limit.
        config = config.withSearch(config.search().withRateLimit(1, 2));
        SuperNode node = SuperNode.start(config, seeded(1), null, nodeRegistry);
        open.add(node);
        MetricsEndpoint nodeMetrics = MetricsEndpoint.start(ANY_LOOPBACK, nodeRegistry, () -> SuperNodeCommand.isReady(node));
        open.add(nodeMetrics);
        node.ready().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        assertThat(get(nodeMetrics, "/health").statusCode()).isEqualTo(200);

        SslContext tls = Tls.client(KeyPin.inMemory("login server").verifier());
        List<SuperNodeSession> sessions = new ArrayList<>();
        CompletableFuture<CallSignal> bobHeard = new CompletableFuture<>();
        for (String name : List.of("alice", "bob")) {
            Ed25519KeyPair key = Ed25519KeyPair.fromSeed(seedBytes(name.length()));
            LoginResult result = LoginClient.login(group, login.boundAddress(), tls, name, "password-" + name,
                    key.publicKey(), true).get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            SuperNodeSession s = SuperNodeSession.register(group, node.advertisedAddress(),
                    result.getServerPublicKey().toByteArray(), result.getCredential(), key, List.of(),
                    name.equals("bob") ? bobHeard::complete : signal -> { },
                    Clock.systemUTC()).get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            sessions.add(s);
            open.add(s::close);
        }
        assertThatThrownBy(() -> LoginClient.login(group, login.boundAddress(), tls, "alice", "not her password",
                Ed25519KeyPair.fromSeed(seedBytes(9)).publicKey(), false).get(TIMEOUT.toSeconds(), TimeUnit.SECONDS))
                .hasCauseInstanceOf(ProtocolException.class);
        // Nobody has "carol": the locator runs a mesh search (no peers) and times it as not found.
        sessions.getFirst().search("carol").get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        // A call's first step: the signal is routed (bob is registered here, so delivered locally), and a relay allocated.
        sessions.getFirst().signal(CallSignal.newBuilder().setCallId("call-1").setTo("bob").setSeq(1)
                .setSealed(ByteString.copyFrom(new byte[64])).build()).get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        assertThat(bobHeard.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS).getFrom()).isEqualTo("alice");
        sessions.getFirst().allocateRelay("call-1").get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        // A burst of 8 more from bob (his own bucket): at most 2 + the refill pass, the rest are RATE_LIMITED.
        List<CompletableFuture<?>> burst = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            burst.add(sessions.get(1).search("dave"));
        }
        int refused = 0;
        for (CompletableFuture<?> f : burst) {
            try {
                f.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                assertThat(e.getCause()).isInstanceOf(ProtocolException.class);
                assertThat(((ProtocolException) e.getCause()).code()).isEqualTo(ErrorCode.RATE_LIMITED);
                refused++;
            }
        }
        assertThat(refused).isPositive();

        String loginScrape = scrape(loginMetrics);
        assertThat(value(loginScrape, "parley_login_requests_total", "outcome=\"ok\"", "request=\"login\"")).isEqualTo(2);
        assertThat(value(loginScrape, "parley_login_requests_total", "outcome=\"ok\"", "request=\"create_account\""))
                .isEqualTo(2);
        assertThat(value(loginScrape, "parley_login_requests_total", "outcome=\"wrong_credentials\"",
                "request=\"login\"")).isEqualTo(1);
        assertThat(value(loginScrape, "parley_login_requests_total", "outcome=\"ok\"", "request=\"enroll_supernode\""))
                .isEqualTo(1);
        assertThat(value(loginScrape, "parley_login_directory_supernodes")).isEqualTo(1);
        assertThat(loginScrape).contains("jvm_memory_used_bytes{area=\"heap\"", "jvm_threads_live_threads ");

        // The gauge reads the presence index at scrape time; registration completed above.
        String nodeScrape = scrape(nodeMetrics);
        assertThat(value(nodeScrape, "parley_supernode_registered_clients")).isEqualTo(2);
        assertThat(value(nodeScrape, "parley_supernode_rate_limited_total", "limit=\"search\"")).isEqualTo(refused);
        assertThat(value(nodeScrape, "parley_supernode_call_signals_total", "outcome=\"ok\"")).isEqualTo(1);
        assertThat(value(nodeScrape, "parley_supernode_relay_allocations_total")).isEqualTo(1);
        // carol and the admitted daves: each timed once. carol and the first dave ran mesh searches (no peers: not
        // found); a dave that joined that running search is not found too, later ones hit the negative cache.
        double notFound = value(nodeScrape, "parley_supernode_search_duration_seconds_count", "outcome=\"not_found\"");
        double cached = value(nodeScrape, "parley_supernode_search_duration_seconds_count", "outcome=\"cached\"");
        assertThat(notFound).isGreaterThanOrEqualTo(2);
        assertThat(notFound + cached).isEqualTo(1 + 8 - refused);
        assertThat(value(nodeScrape, "parley_supernode_search_contacted_supernodes_count")).isEqualTo(notFound);
        assertThat(nodeScrape).contains("parley_supernode_search_duration_seconds_bucket{")
                .contains("parley_supernode_mesh_datagrams_total{direction=\"in\"}")
                .contains("jvm_gc_", "system_cpu_count");
    }

    @Test
    void healthIs503UntilTheSuperNodeIsReadyAndOtherPathsAndMethodsAreRefused() throws Exception {
        // A login server that is not there: the super node starts but never becomes ready.
        HostPort nowhere = new HostPort("127.0.0.1", 9); // discard port: nothing listens on loopback here
        SuperNodeConfig config = SuperNodeConfig.defaults(ANY_LOOPBACK, nowhere, dir.resolve("sn"))
                .withEnrollToken("no-login-server-to-ask");
        PrometheusMeterRegistry registry = MetricsEndpoint.newRegistry();
        SuperNode node = SuperNode.start(config, seeded(2), null, registry);
        open.add(node);
        MetricsEndpoint endpoint = MetricsEndpoint.start(ANY_LOOPBACK, registry, () -> SuperNodeCommand.isReady(node));
        open.add(endpoint);

        HttpResponse<String> health = get(endpoint, "/health");
        assertThat(health.statusCode()).isEqualTo(503);
        assertThat(health.body()).isEqualTo("starting\n");
        assertThat(get(endpoint, "/").statusCode()).isEqualTo(404);
        assertThat(get(endpoint, "/metrics/../secret").statusCode()).isEqualTo(404);
        HttpResponse<String> post = http.send(HttpRequest.newBuilder(uri(endpoint, "/metrics"))
                .POST(HttpRequest.BodyPublishers.ofString("x".repeat(10_000))).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(post.statusCode()).isEqualTo(405);
        assertThat(post.headers().firstValue("Allow")).hasValue("GET");
        assertThat(get(endpoint, "/metrics").statusCode()).isEqualTo(200);
    }

    /**
     * Scrapes on one kept-alive connection, as Prometheus does, do not wait for the scraper's delayed
     * ACK: with Nagle's algorithm on the server's socket, each one's last segment would wait for it
     * (40 ms or more on Linux), {@value #SCRAPES} scrapes at least a second in all.
     */
    @Test
    void scrapesOnAKeptAliveConnectionDoNotWaitForDelayedAcks() throws Exception {
        PrometheusMeterRegistry registry = MetricsEndpoint.newRegistry();
        for (int i = 0; i < 400; i++) { // a super node's page is about 19 KB: the server writes it in pieces
            registry.counter("parley_test_padding_total", "index", String.valueOf(i)).increment(i);
        }
        MetricsEndpoint endpoint = MetricsEndpoint.start(ANY_LOOPBACK, registry, () -> true);
        open.add(endpoint);
        scrape(endpoint); // opens the connection the client keeps alive for the ones below
        long started = System.nanoTime();
        for (int i = 0; i < SCRAPES; i++) {
            assertThat(scrape(endpoint)).contains("jvm_memory_used_bytes").hasSizeGreaterThan(16 * 1024);
        }
        long ms = (System.nanoTime() - started) / 1_000_000;
        assertThat(ms).as("%d scrapes on one connection, ms", SCRAPES).isLessThan(SCRAPES * 40L / 2);
    }

    private HttpResponse<String> get(MetricsEndpoint endpoint, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(uri(endpoint, path)).timeout(TIMEOUT).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static URI uri(MetricsEndpoint endpoint, String path) {
        return URI.create("http://" + endpoint.address() + path);
    }

    private String scrape(MetricsEndpoint endpoint) throws Exception {
        HttpResponse<String> r = get(endpoint, "/metrics");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/plain"));
        return r.body();
    }

    /** @return the value of the one sample named {@code name} whose labels contain every {@code label} */
    private static double value(String scrape, String name, String... labels) {
        List<String> matches = scrape.lines().filter(l -> !l.startsWith("#"))
                .filter(l -> l.startsWith(name + "{") || l.startsWith(name + " "))
                .filter(l -> Arrays.stream(labels).allMatch(l::contains)).toList();
        assertThat(matches).as("samples of %s with %s", name, Arrays.toString(labels)).hasSize(1);
        String line = matches.getFirst();
        return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
    }

    private static byte[] seedBytes(int seed) {
        byte[] b = new byte[Ed25519KeyPair.KEY_BYTES];
        Arrays.fill(b, (byte) seed);
        return b;
    }

    private static SecureRandom seeded(long seed) throws Exception {
        SecureRandom r = SecureRandom.getInstance("SHA1PRNG");
        r.setSeed(seed);
        return r;
    }
}
