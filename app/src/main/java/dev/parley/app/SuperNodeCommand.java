package dev.parley.app;

import dev.parley.protocol.Ed25519KeyPair;
import dev.parley.protocol.HostPort;
import dev.parley.protocol.tls.KeyVerifier;
import dev.parley.supernode.SuperNode;
import dev.parley.supernode.SuperNodeConfig;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code parley supernode}: presence, search and call-signalling relay. */
@Command(name = "supernode", mixinStandardHelpOptions = true,
        description = {"Runs a super node: registers clients (presence), answers searches (asking peer super nodes), "
                + "relays call signalling.",
                "Needs a certificate from the login server: the first start takes --enroll TOKEN (from `parley login-server enroll`).",
                "Writes DIR/address once certified and listed by the login server; stop with Ctrl-C or SIGTERM."})
final class SuperNodeCommand implements Callable<Integer> {
    @Mixin
    ConfigFile.Flag config;

    @Mixin
    LogOptions logging;

    @Option(names = "--listen", paramLabel = "HOST:PORT", converter = HostPortConverter.class, required = true,
            description = "TCP (and, for media, UDP) address to listen on; port 0 = any free port.")
    HostPort listen;

    @Option(names = "--login", paramLabel = "HOST:PORT", converter = HostPortConverter.class, required = true,
            split = ",", description = "The login server. Several login servers sharing one database (A,B or --login "
                    + "repeated) are tried in this order: heartbeats and certificate renewals fail over to the next one.")
    List<HostPort> logins;

    @Option(names = "--data", paramLabel = "DIR", defaultValue = "parley-data/supernode",
            description = "Data directory (default: ${DEFAULT-VALUE}).")
    Path data;

    @Option(names = "--advertise", paramLabel = "HOST:PORT", converter = HostPortConverter.class,
            description = "Address clients and peers should use, when it differs from --listen (e.g. listening on 0.0.0.0).")
    HostPort advertise;

    @Option(names = "--heartbeat-ms", paramLabel = "MS", defaultValue = "5000",
            description = "Interval of heartbeats to the login server, which also refresh the peer list (default: ${DEFAULT-VALUE}).")
    long heartbeatMs;

    @Option(names = "--search-rate", paramLabel = "PER_S", defaultValue = "20",
            description = "Searches one client may run per second; twice as many at once (default: ${DEFAULT-VALUE}). "
                    + "Raise it for scripted bots that search hard.")
    int searchRate;

    @Option(names = "--max-peers", paramLabel = "N", defaultValue = "256",
            description = "Bound on the table of peer super nodes (default: ${DEFAULT-VALUE}).")
    int maxPeers;

    @Option(names = "--login-key", paramLabel = "FINGERPRINT",
            description = "Pin the login server's key by the fingerprint it prints at start (default: trust the key seen first "
                    + "and keep it in the data dir).")
    String loginKey;

    @Option(names = "--enroll", paramLabel = "TOKEN",
            description = "One-time enrolment token from `parley login-server enroll`, for the first start: the login server "
                    + "certifies this super node's key (kept in the data dir with the certificate, so later starts need no token).")
    String enrollToken;

    @Option(names = "--metrics", paramLabel = "HOST:PORT", converter = HostPortConverter.class,
            description = "Serve Prometheus metrics (GET /metrics) and a health check (GET /health) over plain HTTP "
                    + "on this address, e.g. 127.0.0.1:9100 (no authentication: loopback or a monitoring network only; "
                    + "default: off).")
    @Nullable HostPort metrics;

    @Option(names = "--no-digests", description = "Search by blind expansion only (no presence digests), for comparison.")
    boolean noDigests;

    @Override
    public Integer call() throws Exception {
        SuperNodeConfig defaults = SuperNodeConfig.defaults(listen, logins.getFirst(), data).withLogins(logins);
        if (searchRate < 1 || maxPeers < 1) {
            System.err.println("supernode: need --search-rate >= 1 and --max-peers >= 1");
            return 2;
        }
        SuperNodeConfig config = defaults.withAdvertise(advertise)
                .withTimings(Duration.ofMillis(heartbeatMs), defaults.peerRequestTimeout())
                .withSearch(defaults.search().withDigests(!noDigests).withRateLimit(searchRate, 2 * searchRate))
                .withMesh(defaults.mesh().withMaxPeers(maxPeers)).withLoginKey(loginKey)
                .withEnrollToken(enrollToken);
        // Every REGISTER and every routed call's lookup answer is verified (Ed25519): compile that
        // before serving (≤ 300 ms here), rather than in the first calls' setup.
        Ed25519KeyPair.warmUp(300);
        PrometheusMeterRegistry registry = metrics == null ? null : MetricsEndpoint.newRegistry();
        SuperNode node;
        MetricsEndpoint endpoint;
        try {
            node = SuperNode.start(config, new SecureRandom(), null,
                    registry == null ? new CompositeMeterRegistry() : registry);
        } catch (IOException e) {
            System.err.println("supernode: " + e.getMessage());
            return 1;
        }
        try {
            // Up before the super node is ready: /health says 503 until certified and heard by the login server.
            endpoint = registry == null ? null : MetricsEndpoint.start(metrics, registry, () -> isReady(node));
        } catch (IOException e) {
            System.err.println("supernode: " + e.getMessage());
            node.close();
            return 1;
        }
        if (endpoint != null) {
            System.err.println("metrics at http://" + endpoint.address() + "/metrics, health at /health");
        }
        System.err.println("waiting for login server " + logins + "..."); // the log line above says where it listens
        while (true) {
            try {
                node.ready().get(30, TimeUnit.SECONDS);
                break;
            } catch (ExecutionException e) {
                System.err.println("supernode: " + e.getCause().getMessage());
                if (endpoint != null) {
                    endpoint.close();
                }
                node.close();
                return 1;
            } catch (TimeoutException e) {
                System.err.println("still waiting for login server " + logins + "...");
            }
        }
        Daemons.writeAddress(data, node.advertisedAddress());
        System.err.println("super node ready at " + node.advertisedAddress() + ", certified until "
                + Instant.ofEpochMilli(node.certificate().getExpiresAtMs()) + " (renewed while serving); key fingerprint "
                + KeyVerifier.fingerprint(node.certificate().getNodeKey().toByteArray())
                + " (the operator revokes it with: parley login-server revoke-supernode FINGERPRINT)");
        return Daemons.runUntilStopped(() -> {
            if (endpoint != null) {
                endpoint.close();
            }
            node.close();
        }, data);
    }

    /** @return whether {@code node} is certified and listed by the login server (its {@code /health}) */
    static boolean isReady(SuperNode node) {
        return node.ready().isDone() && !node.ready().isCompletedExceptionally();
    }
}
