package dev.parley.login;

import dev.parley.protocol.Ed25519KeyPair;
import dev.parley.protocol.tls.KeyVerifier;
import dev.parley.protocol.wire.AccountInfo;
import java.io.IOException;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * The administration tables of the login server's database (V4_1__admin_keys_and_last_login.sql):
 * authorized admin keys, and account listings with their last login.
 *
 * <p>All methods block on JDBC: never call them on a Netty event loop. Thread-safe.
 */
public final class AdminStore implements AutoCloseable {
    private static final HexFormat HEX = HexFormat.of();
    /** Most accounts one listing returns. */
    public static final int MAX_LIST = 1000;

    private final DataSource dataSource;
    private final @Nullable AccountStore owned;

    /** @param store the login server's account database */
    public AdminStore(AccountStore store) {
        this(store, null);
    }

    private AdminStore(AccountStore store, @Nullable AccountStore owned) {
        this.dataSource = store.dataSource();
        this.owned = owned;
    }

    /**
     * Opens the database of the login server configured by {@code config} (migrating it), for an
     * operator's command on the server's host ({@code parley login-server authorize-admin}); close it afterwards.
     *
     * @throws IOException if there is no login-server database there or it cannot be opened
     */
    public static AdminStore open(LoginServerConfig config) throws IOException {
        if (config.jdbcUrl() == null && !Files.exists(config.dataDir().resolve("accounts.db"))) {
            throw new IOException("no login-server database in " + config.dataDir().toAbsolutePath()
                    + " (expected: the login server's --data directory; start the login server once first)");
        }
        try {
            AccountStore store = AccountStore.open(config.effectiveJdbcUrl(), 1);
            return new AdminStore(store, store);
        } catch (SQLException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    /** Closes the database if {@link #open} opened it; idempotent. */
    @Override
    public void close() {
        if (owned != null) {
            owned.close();
        }
    }

    /**
     * Authorizes an admin key (idempotent).
     *
     * @param publicKey raw 32-byte Ed25519 key
     * @param nowMs the time to record, epoch ms
     * @return true if newly added, false if it was authorized already
     * @throws IllegalArgumentException if the key is not 32 bytes
     * @throws SQLException on database failure
     */
    public boolean authorize(byte[] publicKey, long nowMs) throws SQLException {
        if (publicKey.length != Ed25519KeyPair.KEY_BYTES) {
            throw new IllegalArgumentException(String.format("admin key: %d bytes (expected: %d)",
                    publicKey.length, Ed25519KeyPair.KEY_BYTES));
        }
        if (isAuthorized(publicKey)) {
            return false;
        }
        try (Connection c = dataSource.getConnection(); PreparedStatement st = c.prepareStatement(
                "INSERT INTO admin_keys (public_key, fingerprint, added_at_ms) VALUES (?, ?, ?)")) {
            st.setString(1, HEX.formatHex(publicKey));
            st.setString(2, KeyVerifier.fingerprint(publicKey));
            st.setLong(3, nowMs);
            st.executeUpdate();
            return true;
        } catch (SQLException e) {
            if (isAuthorized(publicKey)) {
                return false; // a concurrent authorize won the primary key
            }
            throw e;
        }
    }

    /**
     * Removes an admin key.
     *
     * @return whether it was authorized
     * @throws SQLException on database failure
     */
    public boolean deauthorize(byte[] publicKey) throws SQLException {
        try (Connection c = dataSource.getConnection();
                PreparedStatement st = c.prepareStatement("DELETE FROM admin_keys WHERE public_key = ?")) {
            st.setString(1, HEX.formatHex(publicKey));
            return st.executeUpdate() > 0;
        }
    }

    /** @return whether {@code publicKey} (any length: a wrong one is simply not authorized) is an admin key */
    public boolean isAuthorized(byte[] publicKey) throws SQLException {
        if (publicKey.length != Ed25519KeyPair.KEY_BYTES) {
            return false;
        }
        try (Connection c = dataSource.getConnection();
                PreparedStatement st = c.prepareStatement("SELECT 1 FROM admin_keys WHERE public_key = ?")) {
            st.setString(1, HEX.formatHex(publicKey));
            try (ResultSet rs = st.executeQuery()) {
                return rs.next();
            }
        }
    }

    /**
     * @param after canonical name to list after (exclusive); "" from the start
     * @param limit most accounts to return, 1..{@value #MAX_LIST}
     * @return up to {@code limit + 1} accounts in canonical-name order (one more than asked tells
     *     the caller that more follow)
     * @throws SQLException on database failure
     */
    public List<AccountInfo> listAccounts(String after, int limit) throws SQLException {
        if (limit < 1 || limit > MAX_LIST) {
            throw new IllegalArgumentException(String.format("limit: %d (expected: 1..%d)", limit, MAX_LIST));
        }
        String sql = "SELECT username, display_name, created_at_ms, disabled, last_login_ms FROM accounts"
                + " WHERE username > ? ORDER BY username LIMIT ?";
        List<AccountInfo> result = new ArrayList<>();
        try (Connection c = dataSource.getConnection(); PreparedStatement st = c.prepareStatement(sql)) {
            st.setString(1, after);
            st.setInt(2, limit + 1);
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    result.add(AccountInfo.newBuilder().setUsername(rs.getString(1)).setDisplayName(rs.getString(2))
                            .setCreatedAtMs(rs.getLong(3)).setDisabled(rs.getInt(4) != 0).setLastLoginMs(rs.getLong(5))
                            .build());
                }
            }
        }
        return result;
    }
}
