package dev.parley.app;

import dev.parley.login.LoginServer;
import dev.parley.login.LoginServerConfig;
import dev.parley.protocol.HostPort;
import dev.parley.protocol.tls.KeyVerifier;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code parley login-server}: accounts, credentials and the super-node directory. */
@Command(name = "login-server", mixinStandardHelpOptions = true,
        subcommands = {EnrollCommand.class, RevokeSuperNodeCommand.class},
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

    @Mixin
    LoginServerOptions options = new LoginServerOptions();

    @Override
    public Integer call() throws Exception {
        LoginServerConfig config = options.config(listen);
        Path data = options.data;
        LoginServer server = LoginServer.start(config);
        Daemons.writeAddress(data, server.boundAddress());
        // The log line above already says where it listens, with the fingerprint: this says what to do with them.
        System.err.println("clients and super nodes can pin this login server with --login-key "
                + KeyVerifier.fingerprint(server.publicKey())
                + "\nsuper nodes need an enrolment token: parley login-server enroll --data " + data);
        return Daemons.runUntilStopped(server, data);
    }
}
