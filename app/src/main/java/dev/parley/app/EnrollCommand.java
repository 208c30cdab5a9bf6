package dev.parley.app;

import dev.parley.login.SuperNodeAdmin;
import dev.parley.protocol.HostPort;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code parley login-server enroll}: a one-time token for a new super node. */
@Command(name = "enroll", mixinStandardHelpOptions = true,
        description = {"Prints a one-time enrolment token for a new super node: start it with "
                + "`parley supernode --enroll TOKEN`. Only the token's hash is stored (in the login server's database, "
                + "which the running login server reads).",
                "The token alone goes to standard output, so scripts can take it: TOKEN=$(parley login-server enroll)."})
final class EnrollCommand implements Callable<Integer> {
    @Mixin
    LoginServerOptions options = new LoginServerOptions();

    @Spec
    CommandSpec spec;

    @Option(names = "--valid-hours", paramLabel = "HOURS", defaultValue = "24",
            description = "How long the token may be used (default: ${DEFAULT-VALUE}).")
    long validHours;

    @Override
    public Integer call() throws Exception {
        if (validHours < 1) {
            System.err.println(String.format("enroll: --valid-hours %d (expected: >= 1)", validHours));
            return 2;
        }
        try (SuperNodeAdmin admin = SuperNodeAdmin.open(options.config(new HostPort("127.0.0.1", 0)))) {
            String token = admin.createToken(Duration.ofHours(validHours));
            spec.commandLine().getOut().println(token);
            spec.commandLine().getOut().flush();
            System.err.println("one-time super-node enrolment token, valid for " + validHours
                    + " h: parley supernode --enroll TOKEN ...");
        }
        return 0;
    }
}
