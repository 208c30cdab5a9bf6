package dev.parley.login;

import java.io.IOException;
import java.nio.file.Files;
import java.security.SecureRandom;
import java.sql.SQLException;
import java.time.Duration;
import java.time.InstantSource;
import java.util.HexFormat;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * The operator's side of super-node enrolment ({@code parley login-server enroll} and
 * {@code revoke-supernode}): one-time tokens and revocation, written to the login server's
 * database, which the running login server reads when a super node enrols or renews.
 *
 * <p>Blocking (JDBC): never call on a Netty event loop. Thread-safe.
 */
public final class SuperNodeAdmin implements AutoCloseable {
    /** Default validity of an enrolment token. */
    public static final Duration DEFAULT_TOKEN_VALIDITY = Duration.ofHours(24);
    /** Random bytes in a token: 160 bits from a SecureRandom, printed as 40 hex digits. */
    static final int TOKEN_BYTES = 20;

    private final SuperNodeStore store;
    private final InstantSource clock;
    private final SecureRandom random;
    private final @Nullable AccountStore owned;

    SuperNodeAdmin(SuperNodeStore store, InstantSource clock, SecureRandom random, @Nullable AccountStore owned) {
        this.store = store;
        this.clock = clock;
        this.random = random;
        this.owned = owned;
    }

    /**
     * Opens the database of the login server configured by {@code config} (migrating it), for
     * an operator's command; close it afterwards.
     *
     * @throws IOException if there is no login-server database there (the default SQLite file
     *     missing: wrong data dir, or the login server never started) or it cannot be opened
     */
    public static SuperNodeAdmin open(LoginServerConfig config) throws IOException {
        if (config.jdbcUrl() == null && !Files.exists(config.dataDir().resolve("accounts.db"))) {
            throw new IOException("no login-server database in " + config.dataDir().toAbsolutePath()
                    + " (expected: the login server's --data directory, and its --db URL if it uses one;"
                    + " start the login server once first)");
        }
        try {
            AccountStore store = AccountStore.open(config.effectiveJdbcUrl(), 1);
            return new SuperNodeAdmin(new SuperNodeStore(store.dataSource()), config.clock(), config.random(), store);
        } catch (SQLException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    /**
     * Makes a one-time enrolment token; only its SHA-256 is stored.
     *
     * @param validity how long it may be used (positive)
     * @return the token: {@value #TOKEN_BYTES} random bytes in hex
     * @throws SQLException on database failure
     */
    public String createToken(Duration validity) throws SQLException {
        if (validity.isNegative() || validity.isZero()) {
            throw new IllegalArgumentException("validity: " + validity + " (expected: > 0)");
        }
        byte[] raw = new byte[TOKEN_BYTES];
        random.nextBytes(raw);
        String token = HexFormat.of().formatHex(raw);
        long now = clock.millis();
        store.addToken(SuperNodeCertifier.hashToken(token), now, now + validity.toMillis());
        return token;
    }

    /**
     * Revokes an enrolled key: its certificate is not renewed any more (it lapses within
     * {@link SuperNodeCertifier#CERTIFICATE_LIFETIME}).
     *
     * @param fingerprint the key's fingerprint as the super node prints it ({@code KeyVerifier.fingerprint})
     * @return whether an enrolled key had this fingerprint
     * @throws SQLException on database failure
     */
    public boolean revoke(String fingerprint) throws SQLException {
        String hex = fingerprint.replace(":", "").strip().toLowerCase(Locale.ROOT);
        return store.revoke(String.join(":", hex.split("(?<=\\G.{8})"))) > 0; // as KeyVerifier.fingerprint groups it
    }

    /** Closes the database if {@link #open} opened it; idempotent. */
    @Override
    public void close() {
        if (owned != null) {
            owned.close();
        }
    }
}
