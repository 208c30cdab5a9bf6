package dev.parley.protocol;

import com.google.protobuf.ByteString;
import dev.parley.protocol.wire.Credential;
import dev.parley.protocol.wire.ErrorCode;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * Issuing and verifying credentials: a login server's Ed25519 signature binding a username to a
 * client public key for a period of time.
 *
 * <p>Signing input (big-endian, lengths as uint16), v1 for a credential without an encryption key,
 * v2 for one with (the context strings differ, so a signature of one form never verifies as the
 * other: an encryption key can be neither stripped from a v2 credential nor added to a v1 one):
 * <pre>
 * v1: "parley-credential-v1" | len(username) | username (UTF-8) | public key (32) | issued_at_ms (int64) | expires_at_ms (int64)
 * v2: "parley-credential-v2" | len(username) | username (UTF-8) | public key (32) | encryption key (32) | issued_at_ms (int64) | expires_at_ms (int64)
 * </pre>
 * v1 credentials still verify (a stored one still registers with a super node), but carry no
 * encryption key, so calls refuse them ({@link #encryptionKey}); the client's next login or
 * renewal certifies its key.
 */
public final class Credentials {
    private static final byte[] CREDENTIAL_CONTEXT = "parley-credential-v1".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] REGISTER_CONTEXT = "parley-register-v2".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] CREDENTIAL_V2_CONTEXT = "parley-credential-v2".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] RENEW_V2_CONTEXT = "parley-renew-v2".getBytes(StandardCharsets.US_ASCII);
    /** What the X25519 key certified in a credential is derived with from the client's Ed25519 key. */
    public static final String ENCRYPTION_KEY_LABEL = "parley-user-hpke-v1";
    private static final byte[] RENEW_CONTEXT = "parley-renew-v1".getBytes(StandardCharsets.US_ASCII);
    /** Tolerated clock difference between login server and verifier. */
    public static final Duration CLOCK_SKEW = Duration.ofMinutes(5);

    private Credentials() {}

    /**
     * @param server the login server's key
     * @param username canonical username
     * @param clientPublicKey raw 32-byte Ed25519 key of the client
     * @param issuedAt issue time
     * @param lifetime validity period
     * @return a signed credential
     */
    public static Credential issue(Ed25519KeyPair server, String username, byte[] clientPublicKey,
            Instant issuedAt, Duration lifetime) {
        return issue(server, username, clientPublicKey, new byte[0], issuedAt, lifetime);
    }

    /**
     * Issues a v2 credential that also certifies the user's encryption key (or a v1 one without).
     *
     * @param encryptionKey raw 32-byte X25519 key the user's call signals are sealed to; empty for a v1 credential
     * @return a signed credential
     * @throws IllegalArgumentException if {@code encryptionKey} is neither empty nor 32 bytes
     */
    public static Credential issue(Ed25519KeyPair server, String username, byte[] clientPublicKey, byte[] encryptionKey,
            Instant issuedAt, Duration lifetime) {
        if (encryptionKey.length != 0 && encryptionKey.length != X25519KeyPair.KEY_BYTES) {
            throw new IllegalArgumentException(String.format("encryptionKey: %d bytes (expected: 0 or %d)",
                    encryptionKey.length, X25519KeyPair.KEY_BYTES));
        }
        Credential unsigned = Credential.newBuilder()
                .setUsername(username)
                .setPublicKey(ByteString.copyFrom(clientPublicKey))
                .setEncryptionKey(ByteString.copyFrom(encryptionKey))
                .setIssuedAtMs(issuedAt.toEpochMilli())
                .setExpiresAtMs(issuedAt.plus(lifetime).toEpochMilli())
                .build();
        return unsigned.toBuilder().setSignature(ByteString.copyFrom(server.sign(signingInput(unsigned)))).build();
    }

    /**
     * Checks a credential's signature and validity period.
     *
     * @param serverPublicKey the login server's raw Ed25519 public key
     * @param credential the credential to check
     * @param now the verifier's current time
     * @throws ProtocolException {@link ErrorCode#INVALID_CREDENTIAL} for a bad signature, key or
     *     username; {@link ErrorCode#EXPIRED_CREDENTIAL} outside its validity period
     */
    public static void verify(byte[] serverPublicKey, Credential credential, Instant now) throws ProtocolException {
        if (credential.getPublicKey().size() != Ed25519KeyPair.KEY_BYTES) {
            throw new ProtocolException(ErrorCode.INVALID_CREDENTIAL, String.format(
                    "credential public key: %d bytes (expected: %d)", credential.getPublicKey().size(), Ed25519KeyPair.KEY_BYTES));
        }
        int encryptionKeyBytes = credential.getEncryptionKey().size();
        if (encryptionKeyBytes != 0 && encryptionKeyBytes != X25519KeyPair.KEY_BYTES) {
            throw new ProtocolException(ErrorCode.INVALID_CREDENTIAL, String.format(
                    "credential encryption key: %d bytes (expected: 0 or %d)", encryptionKeyBytes, X25519KeyPair.KEY_BYTES));
        }
        String canonical = Usernames.canonical(credential.getUsername());
        if (!canonical.equals(credential.getUsername())) {
            throw new ProtocolException(ErrorCode.INVALID_CREDENTIAL, "credential username is not canonical");
        }
        if (!Ed25519KeyPair.verify(serverPublicKey, signingInput(credential), credential.getSignature().toByteArray())) {
            throw new ProtocolException(ErrorCode.INVALID_CREDENTIAL,
                    "credential signature does not verify with the login server's key");
        }
        long nowMs = now.toEpochMilli();
        if (nowMs > credential.getExpiresAtMs() + CLOCK_SKEW.toMillis()) {
            throw new ProtocolException(ErrorCode.EXPIRED_CREDENTIAL,
                    "credential expired at " + Instant.ofEpochMilli(credential.getExpiresAtMs()) + "; log in again");
        }
        if (nowMs + CLOCK_SKEW.toMillis() < credential.getIssuedAtMs()) {
            throw new ProtocolException(ErrorCode.INVALID_CREDENTIAL, "credential issued in the future");
        }
    }

    /**
     * The user's certified encryption key, for sealing call signals to them.
     *
     * @return the raw 32-byte X25519 key of a (verified) v2 credential
     * @throws ProtocolException {@link ErrorCode#INVALID_CREDENTIAL} for a v1 credential (no key certified)
     */
    public static byte[] encryptionKey(Credential c) throws ProtocolException {
        if (c.getEncryptionKey().size() != X25519KeyPair.KEY_BYTES) {
            throw new ProtocolException(ErrorCode.INVALID_CREDENTIAL, "'" + c.getUsername()
                    + "' has no certified encryption key (a v1 credential): encrypted calls need a client that logged in again");
        }
        return c.getEncryptionKey().toByteArray();
    }

    /** @return the bytes the login server signs for {@code c} (its signature field is ignored): v1 or v2, see the class comment */
    public static byte[] signingInput(Credential c) {
        boolean v2 = !c.getEncryptionKey().isEmpty();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(128);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.write(v2 ? CREDENTIAL_V2_CONTEXT : CREDENTIAL_CONTEXT);
            byte[] name = c.getUsername().getBytes(StandardCharsets.UTF_8);
            out.writeShort(name.length);
            out.write(name);
            out.write(c.getPublicKey().toByteArray());
            if (v2) {
                out.write(c.getEncryptionKey().toByteArray());
            }
            out.writeLong(c.getIssuedAtMs());
            out.writeLong(c.getExpiresAtMs());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /**
     * The bytes a client signs in {@code Register} to prove possession of its key, bound to this
     * connection (docs/security.md "Registration bound to the channel"):
     * <pre>
     * "parley-register-v2" | nonce (32) | super node's certified node key (32) | uint8 exporter flag (0/1)
     *     | TLS exporter (32, RFC 9266, only with flag 1)
     * </pre>
     * The node key stops a certified super node from relaying the proof to another one; the
     * exporter also stops a man in the middle holding a stolen node key.
     *
     * @param nonce the super node's {@code ServerHello} nonce
     * @param nodeKey the super node's raw node key from its verified certificate
     * @param exporter this connection's {@link dev.parley.protocol.tls.ChannelBinding exporter}, or null without one
     * @return the signing input
     */
    public static byte[] registerProofInput(byte[] nonce, byte[] nodeKey, byte @Nullable [] exporter) {
        return SuperNodeCertificates.boundInput(REGISTER_CONTEXT, nonce, nodeKey, exporter);
    }

    /**
     * Verifies a client's proof of possession of the key named in its credential, for this
     * connection ({@link #registerProofInput}).
     *
     * @throws ProtocolException {@link ErrorCode#INVALID_CREDENTIAL} if the proof does not verify
     */
    public static void verifyProof(Credential credential, byte[] nonce, byte[] nodeKey, byte @Nullable [] exporter,
            byte[] proof) throws ProtocolException {
        if (!Ed25519KeyPair.verify(credential.getPublicKey().toByteArray(), registerProofInput(nonce, nodeKey, exporter),
                proof)) {
            throw new ProtocolException(ErrorCode.INVALID_CREDENTIAL, "proof of key possession does not verify with the "
                    + "credential's public key for this super node and connection (signed for another super node?)");
        }
    }

    /**
     * The bytes a client signs to renew {@code credential} (message {@code RenewCredential}) without
     * asking for an encryption key: {@code "parley-renew-v1" | signingInput(credential) | int64 signed_at_ms}.
     */
    public static byte[] renewInput(Credential credential, long signedAtMs) {
        return renewInput(credential, signedAtMs, new byte[0]);
    }

    /**
     * The bytes a client signs to renew {@code credential}; with an encryption key to certify
     * ({@code RenewCredential.encryption_key}):
     * {@code "parley-renew-v2" | signingInput(credential) | int64 signed_at_ms | encryption key (32)}.
     *
     * @param encryptionKey the raw X25519 key asked for, or empty (the v1 input)
     */
    public static byte[] renewInput(Credential credential, long signedAtMs, byte[] encryptionKey) {
        byte[] certified = signingInput(credential);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(RENEW_CONTEXT.length + certified.length + 48);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.write(encryptionKey.length == 0 ? RENEW_CONTEXT : RENEW_V2_CONTEXT);
            out.write(certified);
            out.writeLong(signedAtMs);
            out.write(encryptionKey);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /**
     * Verifies a renewal request: the credential as {@link #verify}, the client's signature over
     * {@link #renewInput} with the credential's key, and {@code signedAtMs} within {@link #CLOCK_SKEW} of now.
     *
     * @throws ProtocolException {@link ErrorCode#INVALID_CREDENTIAL} (forged credential or signature,
     *     stale or future signing time), {@link ErrorCode#EXPIRED_CREDENTIAL}
     */
    public static void verifyRenewal(byte[] serverPublicKey, Credential credential, long signedAtMs, byte[] signature,
            Instant now) throws ProtocolException {
        verifyRenewal(serverPublicKey, credential, signedAtMs, new byte[0], signature, now);
    }

    /**
     * As {@link #verifyRenewal(byte[], Credential, long, byte[], Instant)}, for a request that asks
     * to certify {@code encryptionKey} (empty: none asked for); the signature must cover it.
     *
     * @throws ProtocolException as there; {@link ErrorCode#BAD_REQUEST} for a key that is not 0 or 32 bytes
     */
    public static void verifyRenewal(byte[] serverPublicKey, Credential credential, long signedAtMs, byte[] encryptionKey,
            byte[] signature, Instant now) throws ProtocolException {
        if (encryptionKey.length != 0 && encryptionKey.length != X25519KeyPair.KEY_BYTES) {
            throw new ProtocolException(ErrorCode.BAD_REQUEST, String.format(
                    "encryption_key: %d bytes (expected: 0 or %d)", encryptionKey.length, X25519KeyPair.KEY_BYTES));
        }
        verify(serverPublicKey, credential, now);
        long skewMs = Math.abs(now.toEpochMilli() - signedAtMs);
        if (skewMs > CLOCK_SKEW.toMillis()) {
            throw new ProtocolException(ErrorCode.INVALID_CREDENTIAL, String.format(
                    "renewal signed_at_ms: %d ms from now (expected: <= %d)", skewMs, CLOCK_SKEW.toMillis()));
        }
        if (!Ed25519KeyPair.verify(credential.getPublicKey().toByteArray(), renewInput(credential, signedAtMs, encryptionKey),
                signature)) {
            throw new ProtocolException(ErrorCode.INVALID_CREDENTIAL,
                    "renewal signature does not verify with the credential's public key");
        }
    }
}
