package dev.parley.protocol;

import com.google.protobuf.ByteString;
import dev.parley.protocol.tls.KeyVerifier;
import dev.parley.protocol.wire.Address;
import dev.parley.protocol.wire.EnrollSuperNode;
import dev.parley.protocol.wire.ErrorCode;
import dev.parley.protocol.wire.RenewSuperNode;
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
import org.jspecify.annotations.Nullable;

/**
 * Issuing and verifying super-node certificates: a login server's Ed25519 signature binding a
 * super node's key, mesh key and advertised address for a period of time (docs/security.md).
 *
 * <p>Signing input (big-endian, lengths as uint16):
 * <pre>
 * "parley-supernode-cert-v1" | node_key (32) | mesh_key (32) | len(host) | host (UTF-8) | port (uint16)
 *     | issued_at_ms (int64) | expires_at_ms (int64)
 * </pre>
 *
 * <p>Enrolment and renewal requests ({@code EnrollSuperNode}, {@code RenewSuperNode}) are signed by
 * the node key over {@link #requestInput}; a peer link's {@code PeerHello} over {@link #peerHelloInput}.
 */
public final class SuperNodeCertificates {
    private static final byte[] CONTEXT = "parley-supernode-cert-v1".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] ENROL_CONTEXT = "parley-enroll-v1".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] RENEW_CONTEXT = "parley-renew-node-v1".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] PEER_HELLO_CONTEXT = "parley-peer-hello-v1".getBytes(StandardCharsets.US_ASCII);
    /** Length of a channel-binding exporter (RFC 9266), in bytes. */
    public static final int EXPORTER_BYTES = 32;
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
     * Checks the certificate a super node presented in its {@code ServerHello} (client or dialling
     * peer): valid with the login server's key ({@link #verify}), naming the key its TLS handshake
     * presented and the address that was dialled.
     *
     * @param loginPublicKey the pinned login server key
     * @param certificate the certificate, or null if the super node sent none
     * @param tlsKey the raw Ed25519 key the TLS handshake presented ({@code ChannelBinding.serverKey})
     * @param dialled the address this side connected to
     * @param now the verifier's time
     * @throws ProtocolException {@link ErrorCode#INVALID_CREDENTIAL} (missing, forged, another key or
     *     address) or {@link ErrorCode#EXPIRED_CREDENTIAL}, the message naming the super node
     */
    public static void verifyPresented(byte[] loginPublicKey, @Nullable SuperNodeCertificate certificate, byte[] tlsKey,
            HostPort dialled, Instant now) throws ProtocolException {
        if (certificate == null || certificate.getNodeKey().isEmpty()) {
            throw new ProtocolException(ErrorCode.INVALID_CREDENTIAL, "super node " + dialled
                    + " presented no certificate (expected: one from the login server; not a certified super node)");
        }
        HostPort named;
        try {
            named = verify(loginPublicKey, certificate, now);
        } catch (ProtocolException e) {
            throw new ProtocolException(e.code(), "super node " + dialled + ": " + e.getMessage());
        }
        if (!MessageDigest.isEqual(certificate.getNodeKey().toByteArray(), tlsKey)) {
            throw new ProtocolException(ErrorCode.INVALID_CREDENTIAL, String.format(
                    "super node %s: its certificate is for key %s but TLS presented key %s (an impostor?)", dialled,
                    KeyVerifier.fingerprint(certificate.getNodeKey().toByteArray()), KeyVerifier.fingerprint(tlsKey)));
        }
        if (!named.equals(dialled)) {
            throw new ProtocolException(ErrorCode.INVALID_CREDENTIAL, String.format(
                    "super node %s: its certificate names %s (expected: the address dialled)", dialled, named));
        }
    }

    /**
     * The bytes a super node signs with its node key to ask for a certificate:
     * <pre>
     * context | node_key (32) | mesh_key (32) | len(host) | host (UTF-8) | port (uint16) | signed_at_ms (int64)
     * </pre>
     * with context "parley-enroll-v1" ({@code EnrollSuperNode}) or "parley-renew-node-v1" ({@code RenewSuperNode}).
     *
     * @param enrolment true for an enrolment, false for a renewal
     */
    public static byte[] requestInput(boolean enrolment, byte[] nodeKey, byte[] meshKey, Address address, long signedAtMs) {
        return requestInput(enrolment ? ENROL_CONTEXT : RENEW_CONTEXT, nodeKey, meshKey, address, signedAtMs);
    }

    /** As {@link #requestInput(boolean, byte[], byte[], Address, long)} with another context (e.g. {@link ServeOffers}). */
    static byte[] requestInput(byte[] context, byte[] nodeKey, byte[] meshKey, Address address, long signedAtMs) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(128);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.write(context);
            out.write(nodeKey);
            out.write(meshKey);
            byte[] host = address.getHost().getBytes(StandardCharsets.UTF_8);
            out.writeShort(host.length);
            out.write(host);
            out.writeShort(address.getPort());
            out.writeLong(signedAtMs);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** @return an {@code EnrollSuperNode} request for {@code address}, signed by {@code node} at {@code nowMs} */
    public static EnrollSuperNode enrolRequest(Ed25519KeyPair node, X25519KeyPair mesh, HostPort address, String token,
            long nowMs) {
        byte[] input = requestInput(true, node.publicKey(), mesh.publicKey(), address.toAddress(), nowMs);
        return EnrollSuperNode.newBuilder().setToken(token).setNodeKey(ByteString.copyFrom(node.publicKey()))
                .setMeshKey(ByteString.copyFrom(mesh.publicKey())).setAddress(address.toAddress()).setSignedAtMs(nowMs)
                .setSignature(ByteString.copyFrom(node.sign(input))).build();
    }

    /** @return a {@code RenewSuperNode} request for {@code address}, signed by {@code node} at {@code nowMs} */
    public static RenewSuperNode renewRequest(Ed25519KeyPair node, X25519KeyPair mesh, HostPort address, long nowMs) {
        byte[] input = requestInput(false, node.publicKey(), mesh.publicKey(), address.toAddress(), nowMs);
        return RenewSuperNode.newBuilder().setNodeKey(ByteString.copyFrom(node.publicKey()))
                .setMeshKey(ByteString.copyFrom(mesh.publicKey())).setAddress(address.toAddress()).setSignedAtMs(nowMs)
                .setSignature(ByteString.copyFrom(node.sign(input))).build();
    }

    /**
     * Checks an enrolment or renewal request's keys, signing time and proof of possession.
     *
     * @throws ProtocolException {@link ErrorCode#INVALID_CREDENTIAL} for wrong key sizes, a signature that
     *     does not verify with {@code nodeKey}, or a signing time more than {@link Credentials#CLOCK_SKEW} from now
     */
    public static void verifyRequest(boolean enrolment, ByteString nodeKey, ByteString meshKey, Address address,
            long signedAtMs, ByteString signature, Instant now) throws ProtocolException {
        if (nodeKey.size() != Ed25519KeyPair.KEY_BYTES || meshKey.size() != X25519KeyPair.KEY_BYTES) {
            throw new ProtocolException(ErrorCode.INVALID_CREDENTIAL, String.format(
                    "node_key and mesh_key: %d and %d bytes (expected: %d and %d)", nodeKey.size(), meshKey.size(),
                    Ed25519KeyPair.KEY_BYTES, X25519KeyPair.KEY_BYTES));
        }
        long skewMs = Math.abs(now.toEpochMilli() - signedAtMs);
        if (skewMs > Credentials.CLOCK_SKEW.toMillis()) {
            throw new ProtocolException(ErrorCode.INVALID_CREDENTIAL, String.format(
                    "signed_at_ms: %d ms from now (expected: <= %d; check the super node's clock)", skewMs,
                    Credentials.CLOCK_SKEW.toMillis()));
        }
        byte[] input = requestInput(enrolment, nodeKey.toByteArray(), meshKey.toByteArray(), address, signedAtMs);
        if (!Ed25519KeyPair.verify(nodeKey.toByteArray(), input, signature.toByteArray())) {
            throw new ProtocolException(ErrorCode.INVALID_CREDENTIAL,
                    "signature does not verify with node_key (expected: proof of possession of the node key)");
        }
    }

    /**
     * The bytes a dialling super node signs with its node key in {@code PeerHello}:
     * <pre>
     * "parley-peer-hello-v1" | acceptor's ServerHello nonce (32) | acceptor's node key (32)
     *     | uint8 exporter flag (0/1) | TLS exporter (32, RFC 9266, only with flag 1)
     * </pre>
     */
    public static byte[] peerHelloInput(byte[] nonce, byte[] acceptorNodeKey, byte @Nullable [] exporter) {
        return boundInput(PEER_HELLO_CONTEXT, nonce, acceptorNodeKey, exporter);
    }

    /** {@code context | nonce | key | flag | exporter}: a signature bound to one connection with one super node. */
    static byte[] boundInput(byte[] context, byte[] nonce, byte[] key, byte @Nullable [] exporter) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(context.length + nonce.length + key.length + 1 + EXPORTER_BYTES);
        bytes.writeBytes(context);
        bytes.writeBytes(nonce);
        bytes.writeBytes(key);
        bytes.write(exporter == null ? 0 : 1);
        if (exporter != null) {
            bytes.writeBytes(exporter);
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
