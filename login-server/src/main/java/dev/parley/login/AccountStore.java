package dev.parley.login;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Optional;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The account table behind a pooled JDBC connection: an SQLite file by default, PostgreSQL when
 * given a {@code jdbc:postgresql://} URL. The schema is created and upgraded by Flyway from
 * {@code classpath:db/migration} (V1__accounts.sql, V2__account_disable_and_revocation.sql,
 * V3__supernode_enrolment.sql, V4_1__admin_keys_and_last_login.sql) when the store opens.
 *
 * <p>Usernames are unique by their canonical form: the primary key is the lower-case name, so
 * concurrent creates of the same name cannot both succeed, whatever the caller checked before.
 *
 * <p>All methods block on JDBC: never call them on a Netty event loop. Thread-safe.
 */
public final class AccountStore implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AccountStore.class);
    private static final HexFormat HEX = HexFormat.of();
    /** How long an SQLite writer waits for another's lock before failing, in milliseconds. */
    private static final int SQLITE_BUSY_TIMEOUT_MS = 10_000;

    private final HikariDataSource dataSource;

    private AccountStore(HikariDataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** @return the JDBC URL of an SQLite database in {@code file} */
    public static String sqliteUrl(Path file) {
        return "jdbc:sqlite:" + file.toAbsolutePath();
    }

    /**
     * Opens a connection pool to {@code jdbcUrl} and migrates the schema to the latest version.
     *
     * @param jdbcUrl {@code jdbc:sqlite:FILE} or {@code jdbc:postgresql://HOST[:PORT]/DB?user=…&password=…}
     * @param maxConnections pool size (at least 1); match it to the number of worker threads
     * @throws SQLException if the database cannot be reached or migrated
     */
    public static AccountStore open(String jdbcUrl, int maxConnections) throws SQLException {
        if (maxConnections < 1) {
            throw new IllegalArgumentException(String.format("maxConnections: %d (expected: >= 1)", maxConnections));
        }
        HikariConfig config = new HikariConfig();
        config.setPoolName("accounts");
        config.setJdbcUrl(jdbcUrl);
        config.setMaximumPoolSize(maxConnections);
        if (jdbcUrl.startsWith("jdbc:sqlite:")) {
            // Passed to the driver as SQLite pragmas: WAL lets readers proceed during a write, and the
            // busy timeout makes concurrent writers queue on the file lock instead of failing at once.
            config.addDataSourceProperty("journal_mode", "WAL");
            config.addDataSourceProperty("busy_timeout", String.valueOf(SQLITE_BUSY_TIMEOUT_MS));
        }
        HikariDataSource dataSource;
        try {
            dataSource = new HikariDataSource(config);
        } catch (RuntimeException e) {
            throw new SQLException("cannot open account database " + redact(jdbcUrl) + ": " + e.getMessage(), e);
        }
        try {
            var result = Flyway.configure().dataSource(dataSource).locations("classpath:db/migration").load().migrate();
            log.debug("account schema at version {} ({} migrations applied)", result.targetSchemaVersion,
                    result.migrationsExecuted);
        } catch (FlywayException e) {
            dataSource.close();
            throw new SQLException("cannot migrate account database " + redact(jdbcUrl) + ": " + e.getMessage(), e);
        }
        return new AccountStore(dataSource);
    }

    /**
     * Inserts an account.
     *
     * @param account the account; its username must already be canonical
     * @return true if created, false if the (canonical) username already exists
     * @throws SQLException on any other database failure
     */
    public boolean create(Account account) throws SQLException {
        PasswordHash h = account.passwordHash();
        String sql = "INSERT INTO accounts (username, display_name, password_hash, salt, argon2_memory_kib,"
                + " argon2_iterations, argon2_parallelism, argon2_version, created_at_ms)"
                + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)";
        try (Connection c = dataSource.getConnection(); PreparedStatement st = c.prepareStatement(sql)) {
            st.setString(1, account.username());
            st.setString(2, account.displayName());
            st.setString(3, HEX.formatHex(h.hash()));
            st.setString(4, HEX.formatHex(h.salt()));
            st.setInt(5, h.params().memoryKiB());
            st.setInt(6, h.params().iterations());
            st.setInt(7, h.params().parallelism());
            st.setInt(8, h.version());
            st.setLong(9, account.createdAt().toEpochMilli());
            st.executeUpdate();
            return true;
        } catch (SQLException e) {
            // Unique-violation codes differ per driver (SQLite 2067, PostgreSQL 23505); the row's
            // existence is the portable signal that the primary key rejected us.
            if (find(account.username()).isPresent()) {
                return false;
            }
            throw e;
        }
    }

    /**
     * @param username canonical username
     * @return the account, or empty if there is none
     * @throws SQLException on database failure or a row that does not decode
     */
    public Optional<Account> find(String username) throws SQLException {
        String sql = "SELECT username, display_name, password_hash, salt, argon2_memory_kib, argon2_iterations,"
                + " argon2_parallelism, argon2_version, created_at_ms, disabled, credentials_not_before_ms"
                + " FROM accounts WHERE username = ?";
        try (Connection c = dataSource.getConnection(); PreparedStatement st = c.prepareStatement(sql)) {
            st.setString(1, username);
            try (ResultSet rs = st.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                try {
                    PasswordHash hash = new PasswordHash(HEX.parseHex(rs.getString(3)), HEX.parseHex(rs.getString(4)),
                            new Argon2Params(rs.getInt(5), rs.getInt(6), rs.getInt(7)), rs.getInt(8));
                    return Optional.of(new Account(rs.getString(1), rs.getString(2), hash,
                            Instant.ofEpochMilli(rs.getLong(9)), rs.getInt(10) != 0, rs.getLong(11)));
                } catch (IllegalArgumentException e) {
                    throw new SQLException("account '" + username + "': corrupt row: " + e.getMessage(), e);
                }
            }
        }
    }

    /**
     * Disables or enables an account.
     *
     * @param username canonical username
     * @return false if there is no such account
     * @throws SQLException on database failure
     */
    public boolean setDisabled(String username, boolean disabled) throws SQLException {
        try (Connection c = dataSource.getConnection();
                PreparedStatement st = c.prepareStatement("UPDATE accounts SET disabled = ? WHERE username = ?")) {
            st.setInt(1, disabled ? 1 : 0);
            st.setString(2, username);
            return st.executeUpdate() > 0;
        }
    }

    /**
     * Replaces an account's password hash and revokes the credentials issued before {@code notBeforeMs}.
     *
     * @param username canonical username
     * @param hash the new password's hash
     * @param notBeforeMs credentials issued earlier (epoch ms) are no longer renewed
     * @return false if there is no such account
     * @throws SQLException on database failure
     */
    public boolean changePassword(String username, PasswordHash hash, long notBeforeMs) throws SQLException {
        String sql = "UPDATE accounts SET password_hash = ?, salt = ?, argon2_memory_kib = ?, argon2_iterations = ?,"
                + " argon2_parallelism = ?, argon2_version = ?, credentials_not_before_ms = ? WHERE username = ?";
        try (Connection c = dataSource.getConnection(); PreparedStatement st = c.prepareStatement(sql)) {
            st.setString(1, HEX.formatHex(hash.hash()));
            st.setString(2, HEX.formatHex(hash.salt()));
            st.setInt(3, hash.params().memoryKiB());
            st.setInt(4, hash.params().iterations());
            st.setInt(5, hash.params().parallelism());
            st.setInt(6, hash.version());
            st.setLong(7, notBeforeMs);
            st.setString(8, username);
            return st.executeUpdate() > 0;
        }
    }

    /**
     * Records a successful password login (for {@code parley admin accounts}).
     *
     * @param username canonical username
     * @param atMs the time of the login, epoch ms
     * @throws SQLException on database failure
     */
    public void recordLogin(String username, long atMs) throws SQLException {
        try (Connection c = dataSource.getConnection();
                PreparedStatement st = c.prepareStatement("UPDATE accounts SET last_login_ms = ? WHERE username = ?")) {
            st.setLong(1, atMs);
            st.setString(2, username);
            st.executeUpdate();
        }
    }

    /** @return the pool, for the other tables of the same database ({@link SuperNodeStore}) */
    HikariDataSource dataSource() {
        return dataSource;
    }

    /** @return the number of accounts */
    public long count() throws SQLException {
        try (Connection c = dataSource.getConnection();
                PreparedStatement st = c.prepareStatement("SELECT COUNT(*) FROM accounts");
                ResultSet rs = st.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** Closes the connection pool; idempotent. */
    @Override
    public void close() {
        dataSource.close();
    }

    /** Drops query parameters (PostgreSQL URLs may carry a password) before a URL goes into a message. */
    static String redact(String jdbcUrl) {
        int q = jdbcUrl.indexOf('?');
        return q < 0 ? jdbcUrl : jdbcUrl.substring(0, q) + "?…";
    }
}
