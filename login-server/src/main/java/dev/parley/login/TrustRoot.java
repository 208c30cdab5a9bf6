package dev.parley.login;

import dev.parley.protocol.Ed25519KeyPair;
import dev.parley.protocol.tls.KeyVerifier;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.InstantSource;
import java.util.HexFormat;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * One trust root per database (docs/security.md "Several login servers"): every login server on a
 * database signs with the same Ed25519 key, so credentials and super-node certificates from any of
 * them verify against the one key clients and super nodes pin.
 *
 * <p>The secret seed never enters the database (its dumps and backups would carry it): it is a file
 * the operator copies from the first login server to the others. The database records only the
 * public key (table {@code trust_root}, V6), so that a login server started with another key, or with
 * none (which would generate a new one), refuses to start instead of issuing credentials nobody
 * accepts.
 */
final class TrustRoot {
    private static final HexFormat HEX = HexFormat.of();

    private TrustRoot() {}

    /**
     * Loads the signing key from {@code keyFile} and checks it against the database's trust root.
     * The first login server on a database (no trust root yet) creates the key if the file is missing
     * and records its public key.
     *
     * @param db the login server's database (migrated)
     * @param keyFile the 32-byte Ed25519 seed ({@code login-server.key})
     * @return the signing key
     * @throws IOException if the key file is missing or holds another key than the database's trust
     *     root, or cannot be read or written, or the database fails
     */
    static Ed25519KeyPair load(DataSource db, Path keyFile, SecureRandom random, InstantSource clock) throws IOException {
        try {
            Optional<String> root = read(db);
            if (root.isPresent() && !Files.exists(keyFile)) {
                throw new IOException(String.format("no signing key at %s, and this database already has login servers"
                        + " signing with key %s: copy login-server.key from one of them to %s (owner-only;"
                        + " docs/operations.md \"Scale-out\")", keyFile, fingerprint(root.get()), keyFile));
            }
            Ed25519KeyPair key = Ed25519KeyPair.loadOrCreate(keyFile, random);
            String mine = HEX.formatHex(key.publicKey());
            if (root.isEmpty()) {
                insert(db, mine, clock.millis());
                root = read(db); // another login server may have recorded its key first
            }
            if (!root.orElseThrow().equals(mine)) {
                throw new IOException(String.format("signing key %s (%s) is not this database's trust root %s: every login"
                        + " server on one database must use the same key; copy login-server.key from a login server"
                        + " already using this database (docs/operations.md \"Scale-out\")", keyFile,
                        KeyVerifier.fingerprint(key.publicKey()), fingerprint(root.get())));
            }
            return key;
        } catch (SQLException e) {
            throw new IOException("cannot read the trust root: " + e.getMessage(), e);
        }
    }

    private static Optional<String> read(DataSource db) throws SQLException {
        try (Connection c = db.getConnection();
                PreparedStatement st = c.prepareStatement("SELECT public_key FROM trust_root WHERE id = 1");
                ResultSet rs = st.executeQuery()) {
            return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
        }
    }

    private static void insert(DataSource db, String publicKeyHex, long nowMs) throws SQLException {
        try (Connection c = db.getConnection(); PreparedStatement st = c.prepareStatement(
                "INSERT INTO trust_root (id, public_key, created_at_ms) VALUES (1, ?, ?) ON CONFLICT (id) DO NOTHING")) {
            st.setString(1, publicKeyHex);
            st.setLong(2, nowMs);
            st.executeUpdate();
        }
    }

    private static String fingerprint(String publicKeyHex) {
        return KeyVerifier.fingerprint(HEX.parseHex(publicKeyHex));
    }
}
