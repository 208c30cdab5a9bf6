package dev.parley.protocol;

import com.google.protobuf.ByteString;
import dev.parley.protocol.wire.ErrorCode;
import dev.parley.protocol.wire.SuperNodeCertificate;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;

/**
 * Issuing and verifying super-node certificates: a login server's Ed25519 signature binding a
 * super node's key, mesh key and advertised address for a period of time (docs/security.md).
 *
 * <p>Signing input (big-endian, lengths as uint16):
 * <pre>
 * "parley-supernode-cert-v1" | node_key (32) | mesh_key (32) | len(host) | host (UTF-8) | port (uint16)
 *     | issued_at_ms (int64) | expires_at_ms (int64)
 * </pre>
 */
public final class SuperNodeCertificates {
    private static final byte[] CONTEXT = "parley-supernode-cert-v1".getBytes(StandardCharsets.US_ASCII);
    /** The HKDF label of the mesh key derived from a node key ({@link X25519KeyPair#derive}). */
    public static final String MESH_KEY_LABEL = "parley-mesh-x25519-v1";
    /** Length of a {@link #keyId key id}, in bytes. */
    public static final int KEY_ID_BYTES = 8;

    private SuperNodeCertificates() {}

    /**
     * @param login the login server's key
     * @param nodeKey the super node's raw 32-byte Ed25519 public key
     * @param meshKey the super node's raw 32-byte X25519 public key
     * @param address the super node's advertised address
     * @param issuedAt issue time
     * @param lifetime validity period
     * @return a signed certificate
     */
    public static SuperNodeCertificate issue(Ed25519KeyPair login, byte[] nodeKey, byte[] meshKey, HostPort address,
            Instant issuedAt, Duration lifetime) {
        SuperNodeCertificate unsigned = SuperNodeCertificate.newBuilder()
                .setNodeKey(ByteString.copyFrom(nodeKey))
                .setMeshKey(ByteString.copyFrom(meshKey))
                .setAddress(address.toAddress())
                .setIssuedAtMs(issuedAt.toEpochMilli())
                .setExpiresAtMs(issuedAt.plus(lifetime).toEpochMilli())
                .build();
        return unsigned.toBuilder().setSignature(ByteString.copyFrom(login.sign(signingInput(unsigned)))).build();
    }

    /**
     * Checks a certificate's signature, keys, address and validity period (with
     * {@link Credentials#CLOCK_SKEW}).
     *
     * @param loginPublicKey the login server's raw Ed25519 public key
     * @param certificate the certificate to check
     * @param now the verifier's current time
     * @return the certified address
     * @throws ProtocolException {@link ErrorCode#INVALID_CREDENTIAL} for a bad signature, key or
     *     address; {@link ErrorCode#EXPIRED_CREDENTIAL} outside its validity period
     */
    public static HostPort verify(byte[] loginPublicKey, SuperNodeCertificate certificate, Instant now)
            throws ProtocolException {
        if (certificate.getNodeKey().size() != Ed25519KeyPair.KEY_BYTES
                || certificate.getMeshKey().size() != X25519KeyPair.KEY_BYTES) {
            throw new ProtocolException(ErrorCode.INVALID_CREDENTIAL, String.format(
                    "super-node certificate keys: %d and %d bytes (expected: %d and %d)", certificate.getNodeKey().size(),
                    certificate.getMeshKey().size(), Ed25519KeyPair.KEY_BYTES, X25519KeyPair.KEY_BYTES));
        }
        HostPort address;
        try {
            address = HostPort.of(certificate.getAddress());
        } catch (IllegalArgumentException e) {
            throw new ProtocolException(ErrorCode.INVALID_CREDENTIAL, "super-node certificate address: " + e.getMessage());
        }
        if (!Ed25519KeyPair.verify(loginPublicKey, signingInput(certificate), certificate.getSignature().toByteArray())) {
            throw new ProtocolException(ErrorCode.INVALID_CREDENTIAL,
                    "super-node certificate signature does not verify with the login server's key");
        }
        long nowMs = now.toEpochMilli();
        if (nowMs > certificate.getExpiresAtMs() + Credentials.CLOCK_SKEW.toMillis()) {
            throw new ProtocolException(ErrorCode.EXPIRED_CREDENTIAL, "super-node certificate of " + address
                    + " expired at " + Instant.ofEpochMilli(certificate.getExpiresAtMs()));
        }
        if (nowMs + Credentials.CLOCK_SKEW.toMillis() < certificate.getIssuedAtMs()) {
            throw new ProtocolException(ErrorCode.INVALID_CREDENTIAL, "super-node certificate issued in the future");
        }
        return address;
    }

    /** @return the bytes the login server signs for {@code c} (its signature field is ignored) */
    public static byte[] signingInput(SuperNodeCertificate c) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(128);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.write(CONTEXT);
            out.write(c.getNodeKey().toByteArray());
            out.write(c.getMeshKey().toByteArray());
            byte[] host = c.getAddress().getHost().getBytes(StandardCharsets.UTF_8);
            out.writeShort(host.length);
            out.write(host);
            out.writeShort(c.getAddress().getPort());
            out.writeLong(c.getIssuedAtMs());
            out.writeLong(c.getExpiresAtMs());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /**
     * @param nodeKey a raw 32-byte Ed25519 node key
     * @return its {@value #KEY_ID_BYTES}-byte id: the first bytes of SHA-256(node key), as mesh
     *     datagrams name their sender
     */
    public static byte[] keyId(byte[] nodeKey) {
        try {
            return Arrays.copyOf(MessageDigest.getInstance("SHA-256").digest(nodeKey), KEY_ID_BYTES);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
