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
 * <p>Signing input (big-endian, lengths as uint16):
 * <pre>
 * "parley-credential-v1" | len(username) | username (UTF-8) | public key (32) | issued_at_ms (int64) | expires_at_ms (int64)
 * </pre>
 */
public final class Credentials {
    private static final byte[] CREDENTIAL_CONTEXT = "parley-credential-v1".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] REGISTER_CONTEXT = "parley-register-v2".getBytes(StandardCharsets.US_ASCII);
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
        Credential unsigned = Credential.newBuilder()
                .setUsername(username)
                .setPublicKey(ByteString.copyFrom(clientPublicKey))
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

    /** @return the bytes the login server signs for {@code c} (its signature field is ignored) */
    public static byte[] signingInput(Credential c) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(96);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.write(CREDENTIAL_CONTEXT);
            byte[] name = c.getUsername().getBytes(StandardCharsets.UTF_8);
            out.writeShort(name.length);
            out.write(name);
            out.write(c.getPublicKey().toByteArray());
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
     * The bytes a client signs to renew {@code credential} (message {@code RenewCredential}):
     * {@code "parley-renew-v1" | signingInput(credential) | int64 signed_at_ms}.
     */
    public static byte[] renewInput(Credential credential, long signedAtMs) {
        byte[] certified = signingInput(credential);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(RENEW_CONTEXT.length + certified.length + 8);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.write(RENEW_CONTEXT);
            out.write(certified);
            out.writeLong(signedAtMs);
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
        verify(serverPublicKey, credential, now);
        long skewMs = Math.abs(now.toEpochMilli() - signedAtMs);
        if (skewMs > CLOCK_SKEW.toMillis()) {
            throw new ProtocolException(ErrorCode.INVALID_CREDENTIAL, String.format(
                    "renewal signed_at_ms: %d ms from now (expected: <= %d)", skewMs, CLOCK_SKEW.toMillis()));
        }
        if (!Ed25519KeyPair.verify(credential.getPublicKey().toByteArray(), renewInput(credential, signedAtMs), signature)) {
            throw new ProtocolException(ErrorCode.INVALID_CREDENTIAL,
                    "renewal signature does not verify with the credential's public key");
        }
    }
}
