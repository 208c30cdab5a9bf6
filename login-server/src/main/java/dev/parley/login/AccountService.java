package dev.parley.login;

import dev.parley.protocol.Credentials;
import dev.parley.protocol.Ed25519KeyPair;
import dev.parley.protocol.ProtocolException;
import dev.parley.protocol.Usernames;
import dev.parley.protocol.X25519KeyPair;
import dev.parley.protocol.wire.Credential;
import dev.parley.protocol.wire.ErrorCode;
import dev.parley.protocol.wire.RenewCredential;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.temporal.ChronoUnit;
import java.util.Optional;
import org.bouncycastle.crypto.params.Ed25519PublicKeyParameters;

/**
 * Account creation, login and credential renewal, disable and password change: input validation,
 * Argon2id hashing and verification, credential issuing. Transport-independent; {@link LoginHandler} calls it from worker threads.
 *
 * <p>Blocking (Argon2id and JDBC): never call on a Netty event loop. Thread-safe.
 */
public final class AccountService {
    /** Shortest accepted password at login, in Unicode code points (accounts made before the 8-character rule). */
    public static final int MIN_PASSWORD_CHARS = 1;
    /** Shortest password for a new account, in Unicode code points (NIST SP 800-63B §5.1.1.1: at least 8). */
    public static final int MIN_NEW_PASSWORD_CHARS = 8;
    /** Longest accepted password, in Unicode code points; bounds the hashing input. */
    public static final int MAX_PASSWORD_CHARS = 1024;
    /** The one message for unknown users and wrong passwords, so the answer does not reveal which. */
    static final String WRONG_CREDENTIALS_MESSAGE = "wrong username or password";

    private final AccountStore store;
    private final PasswordHasher hasher;
    private final Ed25519KeyPair serverKey;
    private final InstantSource clock;
    private final Duration credentialLifetime;
    /** Verified against for unknown users so they cost the same Argon2id work as known ones. */
    private final PasswordHash decoyHash;

    /**
     * Computes one Argon2id hash (the decoy for unknown users), so construction takes as long as a login.
     *
     * @param store account table
     * @param hasher Argon2id with the costs for new hashes
     * @param serverKey the login server's signing key
     * @param clock time source for credential issue times
     * @param credentialLifetime validity of issued credentials
     */
    public AccountService(AccountStore store, PasswordHasher hasher, Ed25519KeyPair serverKey, InstantSource clock,
            Duration credentialLifetime) {
        this.store = store;
        this.hasher = hasher;
        this.serverKey = serverKey;
        this.clock = clock;
        this.credentialLifetime = credentialLifetime;
        this.decoyHash = hasher.hash("parley decoy password for unknown users");
    }

    /**
     * @param username any case
     * @return true if an account of this name exists (disabled ones included)
     * @throws ProtocolException INVALID_USERNAME
     * @throws SQLException on database failure
     */
    public boolean exists(String username) throws ProtocolException, SQLException {
        return store.find(Usernames.canonical(username)).isPresent();
    }

    /**
     * Creates an account.
     *
     * @param username requested name, any case (see {@link Usernames})
     * @param password {@value #MIN_NEW_PASSWORD_CHARS}..{@value #MAX_PASSWORD_CHARS} code points
     * @return the stored account
     * @throws ProtocolException INVALID_USERNAME, BAD_REQUEST (password length) or USERNAME_TAKEN
     *     (also when the name differs only in case from an existing one)
     * @throws SQLException on database failure
     */
    public Account createAccount(String username, String password) throws ProtocolException, SQLException {
        String canonical = Usernames.canonical(username);
        checkPassword(password);
        checkNewPassword(password);
        // Cheap early answer for the common case; the primary key still decides races.
        if (store.find(canonical).isPresent()) {
            throw taken(username);
        }
        Account account = new Account(canonical, username, hasher.hash(password),
                clock.instant().truncatedTo(ChronoUnit.MILLIS));
        if (!store.create(account)) {
            throw taken(username);
        }
        return account;
    }

    /**
     * Verifies a password and issues a credential binding the canonical username to the client's key.
     *
     * @param username account name, any case
     * @param password the password
     * @param clientPublicKey raw 32-byte Ed25519 public key of the client (RFC 8032)
     * @return a credential signed by the server key, valid from now for the credential lifetime
     * @throws ProtocolException BAD_REQUEST (key or password malformed), INVALID_USERNAME (name
     *     malformed) or WRONG_CREDENTIALS (unknown user or wrong password, indistinguishable)
     * @throws SQLException on database failure
     */
    public Credential login(String username, String password, byte[] clientPublicKey)
            throws ProtocolException, SQLException {
        return login(username, password, clientPublicKey, new byte[0]);
    }

    /**
     * As {@link #login(String, String, byte[])}, also certifying the client's encryption key (a v2
     * credential, {@link Credentials#issue(Ed25519KeyPair, String, byte[], byte[], Instant, Duration)}).
     *
     * @param encryptionKey raw 32-byte X25519 key (RFC 7748) call signals to the user are sealed to;
     *     empty for a v1 credential without one
     * @throws ProtocolException as there; BAD_REQUEST also for an encryption key that is not 32 bytes
     *     or is a low-order point
     */
    public Credential login(String username, String password, byte[] clientPublicKey, byte[] encryptionKey)
            throws ProtocolException, SQLException {
        checkPublicKey(clientPublicKey);
        checkEncryptionKey(encryptionKey);
        String canonical = Usernames.canonical(username);
        checkPassword(password);
        Optional<Account> account = store.find(canonical);
        // Always run Argon2id, so response time does not tell whether the account exists.
        boolean matches = hasher.verify(password, account.map(Account::passwordHash).orElse(decoyHash));
        if (account.isEmpty() || !matches) {
            throw new ProtocolException(ErrorCode.WRONG_CREDENTIALS, WRONG_CREDENTIALS_MESSAGE);
        }
        if (account.get().disabled()) {
            throw disabled(canonical);
        }
        store.recordLogin(canonical, clock.millis());
        return issue(account.get(), clientPublicKey, encryptionKey);
    }

    /**
     * Renews a credential without the password (message {@code RenewCredential}): the old credential
     * must verify ({@link Credentials#verifyRenewal}: signed by this server, not expired, the client's
     * signature over it at a time within the clock skew), its account must still exist, be enabled
     * and have had no password change since the credential was issued.
     *
     * @param request the renewal request
     * @return a new credential for the same user and key, valid from now for the credential lifetime
     * @throws ProtocolException INVALID_CREDENTIAL (forged or malformed, bad client signature, account
     *     gone, revoked by a password change), EXPIRED_CREDENTIAL, ACCOUNT_DISABLED
     * @throws SQLException on database failure
     */
    public Credential renew(RenewCredential request) throws ProtocolException, SQLException {
        if (!request.hasCredential()) {
            throw new ProtocolException(ErrorCode.INVALID_CREDENTIAL, "credential: missing");
        }
        Credential old = request.getCredential();
        byte[] asked = request.getEncryptionKey().toByteArray();
        checkEncryptionKey(asked);
        Credentials.verifyRenewal(serverKey.publicKey(), old, request.getSignedAtMs(), asked,
                request.getSignature().toByteArray(), clock.instant());
        Optional<Account> account = store.find(old.getUsername());
        if (account.isEmpty()) {
            throw new ProtocolException(ErrorCode.INVALID_CREDENTIAL,
                    "account '" + old.getUsername() + "' no longer exists; credential not renewed");
        }
        if (account.get().disabled()) {
            throw disabled(old.getUsername());
        }
        if (old.getIssuedAtMs() < account.get().credentialsNotBeforeMs()) {
            throw new ProtocolException(ErrorCode.INVALID_CREDENTIAL,
                    "credential revoked: the password changed after it was issued; log in with the password");
        }
        // A renewal keeps the certified encryption key unless the (signed) request names another.
        return issue(account.get(), old.getPublicKey().toByteArray(),
                asked.length > 0 ? asked : old.getEncryptionKey().toByteArray());
    }

    /**
     * Disables or enables an account. A disabled account cannot log in, and its credentials are not
     * renewed: a logged-in client keeps its session until its credential expires.
     *
     * @param username account name, any case
     * @throws ProtocolException INVALID_USERNAME, USER_NOT_FOUND
     * @throws SQLException on database failure
     */
    public void setDisabled(String username, boolean disabled) throws ProtocolException, SQLException {
        String canonical = Usernames.canonical(username);
        if (!store.setDisabled(canonical, disabled)) {
            throw notFound(canonical);
        }
    }

    /**
     * Changes an account's password; credentials issued before are no longer renewed.
     *
     * @param username account name, any case
     * @param newPassword the new password ({@value #MIN_NEW_PASSWORD_CHARS}..{@value #MAX_PASSWORD_CHARS} code points)
     * @throws ProtocolException INVALID_USERNAME, BAD_REQUEST (password length), USER_NOT_FOUND
     * @throws SQLException on database failure
     */
    public void changePassword(String username, String newPassword) throws ProtocolException, SQLException {
        String canonical = Usernames.canonical(username);
        checkPassword(newPassword);
        checkNewPassword(newPassword);
        // +1: a credential issued in the same millisecond, before the change, is revoked too; later
        // ones are issued at this time at the earliest (see issue).
        if (!store.changePassword(canonical, hasher.hash(newPassword), clock.millis() + 1)) {
            throw notFound(canonical);
        }
    }

    /** Issues at now, or at the account's revocation time if that is later (within the clock skew). */
    private Credential issue(Account account, byte[] clientPublicKey, byte[] encryptionKey) {
        Instant now = clock.instant();
        Instant notBefore = Instant.ofEpochMilli(account.credentialsNotBeforeMs());
        return Credentials.issue(serverKey, account.username(), clientPublicKey, encryptionKey,
                now.isBefore(notBefore) ? notBefore : now, credentialLifetime);
    }

    /**
     * @throws ProtocolException BAD_REQUEST unless the password has
     *     {@value #MIN_PASSWORD_CHARS}..{@value #MAX_PASSWORD_CHARS} code points
     */
    public static void checkPassword(String password) throws ProtocolException {
        int chars = password == null ? 0 : password.codePointCount(0, password.length());
        if (chars < MIN_PASSWORD_CHARS || chars > MAX_PASSWORD_CHARS) {
            throw new ProtocolException(ErrorCode.BAD_REQUEST, String.format(
                    "password: %d characters (expected: %d..%d)", chars, MIN_PASSWORD_CHARS, MAX_PASSWORD_CHARS));
        }
    }

    /**
     * @throws ProtocolException BAD_REQUEST, e.g. "password: 5 chars (expected: >= 8)", unless the
     *     password has at least {@value #MIN_NEW_PASSWORD_CHARS} code points
     */
    public static void checkNewPassword(String password) throws ProtocolException {
        int chars = password.codePointCount(0, password.length());
        if (chars < MIN_NEW_PASSWORD_CHARS) {
            throw new ProtocolException(ErrorCode.BAD_REQUEST, String.format(
                    "password: %d chars (expected: >= %d)", chars, MIN_NEW_PASSWORD_CHARS));
        }
    }

    /** @throws ProtocolException BAD_REQUEST unless {@code key} is a 32-byte encoded Ed25519 point */
    /**
     * @param key an encryption key to certify, or empty (none)
     * @throws ProtocolException BAD_REQUEST unless empty or a 32-byte X25519 key that is not a
     *     low-order point (RFC 7748 §6.1: agreement with it would give the all-zero secret)
     */
    public static void checkEncryptionKey(byte[] key) throws ProtocolException {
        if (key.length == 0) {
            return;
        }
        if (key.length != X25519KeyPair.KEY_BYTES) {
            throw new ProtocolException(ErrorCode.BAD_REQUEST, String.format(
                    "client_encryption_key: %d bytes (expected: %d)", key.length, X25519KeyPair.KEY_BYTES));
        }
        if (!X25519KeyPair.isUsable(key)) {
            throw new ProtocolException(ErrorCode.BAD_REQUEST, "client_encryption_key: a low-order point (expected: an X25519 key)");
        }
    }

    public static void checkPublicKey(byte[] key) throws ProtocolException {
        if (key.length != Ed25519KeyPair.KEY_BYTES) {
            throw new ProtocolException(ErrorCode.BAD_REQUEST, String.format(
                    "client_public_key: %d bytes (expected: %d)", key.length, Ed25519KeyPair.KEY_BYTES));
        }
        try {
            new Ed25519PublicKeyParameters(key, 0);
        } catch (IllegalArgumentException e) {
            throw new ProtocolException(ErrorCode.BAD_REQUEST, "client_public_key: not an Ed25519 public key");
        }
    }

    private static ProtocolException disabled(String canonical) {
        return new ProtocolException(ErrorCode.ACCOUNT_DISABLED, "account '" + canonical + "' is disabled");
    }

    private static ProtocolException notFound(String canonical) {
        return new ProtocolException(ErrorCode.USER_NOT_FOUND, "account '" + canonical + "': no such account");
    }

    private static ProtocolException taken(String username) {
        return new ProtocolException(ErrorCode.USERNAME_TAKEN, "username: '" + username + "' is taken");
    }
}
