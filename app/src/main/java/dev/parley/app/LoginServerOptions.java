package dev.parley.app;

import dev.parley.login.LoginServerConfig;
import dev.parley.protocol.HostPort;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The login server's data options, shared by {@code parley login-server} and its operator subcommands. */
final class LoginServerOptions {
    @Option(names = "--data", paramLabel = "DIR", defaultValue = "parley-data/login-server",
            description = "Data directory: accounts.db (SQLite), login-server.key (default: ${DEFAULT-VALUE}).")
    Path data;

    @Option(names = "--db", paramLabel = "JDBC_URL",
            description = "Account database URL, e.g. jdbc:postgresql://db/parley?user=parley&password=... (default: SQLite file in --data). "
                    + "Several login servers on one PostgreSQL database share accounts, enrolments and the super-node directory; "
                    + "each needs a copy of the first one's login-server.key (docs/operations.md \"Scale-out\").")
    String jdbcUrl;

    /** @return the configuration for {@code listen} with these options */
    LoginServerConfig config(HostPort listen) {
        return LoginServerConfig.defaults(listen, data).withJdbcUrl(jdbcUrl);
    }
}
