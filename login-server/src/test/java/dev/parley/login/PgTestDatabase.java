package dev.parley.login;

import static org.assertj.core.api.Assertions.fail;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Assumptions;

/**
 * A fresh PostgreSQL schema for one test class, in the database named by the environment variable
 * {@value #URL_ENV} (a JDBC URL with user and password; {@code .ci/postgres.sh} prints one), dropped
 * with everything in it by {@link #close()}.
 *
 * <p>Without {@value #URL_ENV} (or with the database unreachable) the test is skipped with a message
 * saying so, except under CI ({@code CI=true}), where it fails: CI installs PostgreSQL ({@code .ci/run}).
 */
public final class PgTestDatabase implements AutoCloseable {
    /** Environment variable holding the JDBC URL of the test database. */
    public static final String URL_ENV = "PARLEY_TEST_PG_URL";
    private static final AtomicInteger SCHEMAS = new AtomicInteger();

    private final String baseUrl;
    private final String schema;

    private PgTestDatabase(String baseUrl, String schema) {
        this.baseUrl = baseUrl;
        this.schema = schema;
    }

    /**
     * Creates a schema named after {@code purpose}, this process and a counter (concurrent test
     * runs on one database do not meet).
     *
     * @param purpose a short lower-case word naming the test class
     * @return the schema; the test is skipped (outside CI) or failed (CI) when PostgreSQL is unavailable
     */
    public static PgTestDatabase create(String purpose) {
        String url = System.getenv(URL_ENV);
        if (url == null || url.isBlank()) {
            unavailable(URL_ENV + " is not set (a JDBC URL of a PostgreSQL database: .ci/postgres.sh prints one)");
        }
        String schema = String.format(Locale.ROOT, "t_%s_%d_%d", purpose.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]", ""),
                ProcessHandle.current().pid(), SCHEMAS.incrementAndGet());
        try (Connection c = DriverManager.getConnection(url); Statement st = c.createStatement()) {
            st.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
            st.execute("CREATE SCHEMA " + schema);
        } catch (SQLException e) {
            unavailable("cannot reach PostgreSQL at " + AccountStore.redact(url) + ": " + e.getMessage());
        }
        return new PgTestDatabase(url, schema);
    }

    private static void unavailable(String why) {
        if ("true".equalsIgnoreCase(System.getenv("CI"))) {
            fail("PostgreSQL tests need PostgreSQL under CI (.ci/run starts it): " + why);
        }
        Assumptions.abort("PostgreSQL test skipped: " + why);
    }

    /** @return the JDBC URL of this schema (search_path set to it: Flyway migrates it) */
    public String url() {
        return baseUrl + (baseUrl.contains("?") ? "&" : "?") + "currentSchema=" + schema;
    }

    /** Drops the schema and everything in it. */
    @Override
    public void close() throws SQLException {
        try (Connection c = DriverManager.getConnection(baseUrl); Statement st = c.createStatement()) {
            st.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
        }
    }
}
