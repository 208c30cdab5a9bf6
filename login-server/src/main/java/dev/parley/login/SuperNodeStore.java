package dev.parley.login;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Locale;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * The enrolment tables of the login server's database (V3__supernode_enrolment.sql): one-time
 * enrolment tokens (hashes only) and the enrolled super-node keys. Shared through the database by
 * the running login server and the operator's commands ({@code parley login-server enroll},
 * {@code revoke-supernode}).
 *
 * <p>All methods block on JDBC: never call them on a Netty event loop. Thread-safe.
 */
final class SuperNodeStore {
    /** Why a token was not accepted. */
    enum TokenState {
        /** Unused and valid: now used. */
        CONSUMED,
        /** No token with this hash. */
        UNKNOWN,
        /** Past its expiry. */
        EXPIRED,
        /** Already used. */
        USED
    }

    /**
     * An enrolled key.
     *
     * @param nodeKeyHex the raw key, hex
     * @param fingerprint its fingerprint
     * @param revoked whether it was revoked
     * @param address the address of its last certificate ("" before one)
     */
    record Enrolled(String nodeKeyHex, String fingerprint, boolean revoked, String address) {}

    private final DataSource db;

    SuperNodeStore(DataSource db) {
        this.db = db;
    }

    /** Stores a new token's hash. */
    void addToken(String tokenHash, long createdAtMs, long expiresAtMs) throws SQLException {
        update("INSERT INTO enrolment_tokens (token_hash, created_at_ms, expires_at_ms) VALUES (?, ?, ?)",
                tokenHash, createdAtMs, expiresAtMs);
    }

    /**
     * Uses a token: one atomic update, so two super nodes racing with one token cannot both succeed.
     *
     * @return {@link TokenState#CONSUMED}, or why not
     */
    TokenState consumeToken(String tokenHash, long nowMs, String nodeKeyHex) throws SQLException {
        try (Connection c = db.getConnection()) {
            try (PreparedStatement st = c.prepareStatement("UPDATE enrolment_tokens SET used_at_ms = ?, used_by = ?"
                    + " WHERE token_hash = ? AND used_at_ms = 0 AND expires_at_ms > ?")) {
                st.setLong(1, Math.max(1, nowMs));
                st.setString(2, nodeKeyHex);
                st.setString(3, tokenHash);
                st.setLong(4, nowMs);
                if (st.executeUpdate() == 1) {
                    return TokenState.CONSUMED;
                }
            }
            try (PreparedStatement st = c.prepareStatement(
                    "SELECT used_at_ms FROM enrolment_tokens WHERE token_hash = ?")) {
                st.setString(1, tokenHash);
                try (ResultSet rs = st.executeQuery()) {
                    if (!rs.next()) {
                        return TokenState.UNKNOWN;
                    }
                    return rs.getLong(1) != 0 ? TokenState.USED : TokenState.EXPIRED;
                }
            }
        }
    }

    /** @return the enrolled key, if any */
    Optional<Enrolled> find(String nodeKeyHex) throws SQLException {
        try (Connection c = db.getConnection(); PreparedStatement st = c.prepareStatement(
                "SELECT node_key, fingerprint, revoked, address FROM supernodes WHERE node_key = ?")) {
            st.setString(1, nodeKeyHex);
            try (ResultSet rs = st.executeQuery()) {
                return rs.next() ? Optional.of(new Enrolled(rs.getString(1), rs.getString(2), rs.getInt(3) != 0,
                        rs.getString(4))) : Optional.empty();
            }
        }
    }

    /** Records a newly enrolled key (nothing if it is enrolled already). */
    void enrol(String nodeKeyHex, String fingerprint, long nowMs) throws SQLException {
        if (find(nodeKeyHex).isPresent()) {
            return;
        }
        try {
            update("INSERT INTO supernodes (node_key, fingerprint, enrolled_at_ms) VALUES (?, ?, ?)", nodeKeyHex, fingerprint,
                    nowMs);
        } catch (SQLException e) {
            if (find(nodeKeyHex).isEmpty()) { // else a concurrent enrolment of the same key won: fine
                throw e;
            }
        }
    }

    /** How a key came to be certified (column {@code kind}, migration V7). */
    enum Kind {
        /** An operator's enrolment token. */
        ENROLLED,
        /** Chosen by the login server's promotion policy (a client serving). */
        PROMOTED,
        /** Promoted once, now demoted: no renewal until promoted again. */
        DEMOTED
    }

    /** @return how {@code nodeKeyHex} was certified, if it is known at all */
    Optional<Kind> kind(String nodeKeyHex) throws SQLException {
        try (Connection c = db.getConnection(); PreparedStatement st = c.prepareStatement(
                "SELECT kind FROM supernodes WHERE node_key = ?")) {
            st.setString(1, nodeKeyHex);
            try (ResultSet rs = st.executeQuery()) {
                return rs.next() ? Optional.of(Kind.valueOf(rs.getString(1).toUpperCase(Locale.ROOT)))
                        : Optional.empty();
            }
        }
    }

    /**
     * Records a key the promotion policy chose (kind 'promoted'); an operator-enrolled key stays
     * 'enrolled'.
     *
     * @return false if the key is revoked or enrolled by an operator (it gets no promotion)
     */
    boolean promoted(String nodeKeyHex, String fingerprint, long nowMs) throws SQLException {
        Optional<Enrolled> known = find(nodeKeyHex);
        if (known.isEmpty()) {
            try {
                update("INSERT INTO supernodes (node_key, fingerprint, enrolled_at_ms, kind) VALUES (?, ?, ?, 'promoted')",
                        nodeKeyHex, fingerprint, nowMs);
                return true;
            } catch (SQLException e) {
                if (find(nodeKeyHex).isEmpty()) {
                    throw e;
                }
            }
        }
        return update("UPDATE supernodes SET kind = 'promoted' WHERE node_key = ? AND revoked = 0 AND kind <> 'enrolled'",
                nodeKeyHex) == 1;
    }

    /** Marks a promoted key demoted: its renewals are refused until it is promoted again. */
    void demoted(String nodeKeyHex) throws SQLException {
        update("UPDATE supernodes SET kind = 'demoted' WHERE node_key = ? AND kind = 'promoted'", nodeKeyHex);
    }

    /** Records the address and time of a certificate just issued. */
    void certified(String nodeKeyHex, String address, long nowMs) throws SQLException {
        update("UPDATE supernodes SET address = ?, certified_at_ms = ? WHERE node_key = ?", address, nowMs, nodeKeyHex);
    }

    /**
     * Revokes the keys with this fingerprint.
     *
     * @return how many enrolled keys it named (0: none)
     */
    int revoke(String fingerprint) throws SQLException {
        return update("UPDATE supernodes SET revoked = 1 WHERE fingerprint = ?", fingerprint);
    }

    /** Runs one INSERT or UPDATE with {@code args} bound in order and returns the rows it changed. */
    private int update(String sql, Object... args) throws SQLException {
        try (Connection c = db.getConnection(); PreparedStatement st = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                st.setObject(i + 1, args[i]);
            }
            return st.executeUpdate();
        }
    }
}
