package dev.parley.app;

import dev.parley.login.LoginMetrics;
import dev.parley.login.LoginServer;
import dev.parley.login.LoginServerConfig;
import dev.parley.protocol.HostPort;
import dev.parley.protocol.tls.KeyVerifier;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Option;

/** {@code parley login-server}: accounts, credentials and the super-node directory. */
@Command(name = "login-server", mixinStandardHelpOptions = true,
        subcommands = {EnrollCommand.class, RevokeSuperNodeCommand.class, AuthorizeAdminCommand.class},
        description = {"Runs the login server: accounts (unique names, Argon2id hashes), signed credentials, "
                + "and the directory of live super nodes.",
                "Writes DIR/address once listening; stop with Ctrl-C or SIGTERM."})
final class LoginServerCommand implements Callable<Integer> {
    @Mixin
    ConfigFile.Flag config;

    @Mixin
    LogOptions logging;

    @Option(names = "--listen", paramLabel = "HOST:PORT", converter = HostPortConverter.class,
            defaultValue = "127.0.0.1:7000", description = "TCP address to listen on (port 0 = any free port; default: ${DEFAULT-VALUE}).")
    HostPort listen;

    @Option(names = "--metrics", paramLabel = "HOST:PORT", converter = HostPortConverter.class,
            description = "Serve Prometheus metrics (GET /metrics) and a health check (GET /health) over plain HTTP "
                    + "on this address, e.g. 127.0.0.1:9100 (no authentication: loopback or a monitoring network only; "
                    + "default: off).")
    @Nullable HostPort metrics;

    @Mixin
    LoginServerOptions options = new LoginServerOptions();

    @Override
    public Integer call() throws Exception {
        LoginServerConfig config = options.config(listen);
        Path data = options.data;
        PrometheusMeterRegistry registry = metrics == null ? null : MetricsEndpoint.newRegistry();
        LoginServer server = LoginServer.start(config, registry == null ? LoginMetrics.none() : new LoginMetrics(registry));
        MetricsEndpoint endpoint;
        try {
            endpoint = registry == null ? null : MetricsEndpoint.start(metrics, registry, () -> true);
        } catch (IOException e) {
            System.err.println("login-server: " + e.getMessage());
            server.close();
            return 1;
        }
        Daemons.writeAddress(data, server.boundAddress());
        // The log line above already says where it listens, with the fingerprint: this says what to do with them.
        System.err.println("clients and super nodes can pin this login server with --login-key "
                + KeyVerifier.fingerprint(server.publicKey())
                + "\nsuper nodes need an enrolment token: parley login-server enroll --data " + data);
        if (endpoint != null) {
            System.err.println("metrics at http://" + endpoint.address() + "/metrics, health at /health");
        }
        return Daemons.runUntilStopped(() -> {
            if (endpoint != null) {
                endpoint.close();
            }
            server.close();
        }, data);
    }
}
