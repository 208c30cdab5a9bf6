package dev.parley.supernode;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.parley.protocol.AtomicFiles;
import dev.parley.protocol.Ed25519KeyPair;
import dev.parley.protocol.SuperNodeCertificates;
import dev.parley.protocol.X25519KeyPair;
import dev.parley.protocol.tls.KeyVerifier;
import dev.parley.protocol.wire.SuperNodeCertificate;
import dev.parley.supernode.meshauth.MeshIdentity;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import org.jspecify.annotations.Nullable;

/**
 * This super node's identity (docs/security.md "Certified super nodes"): its node key (Ed25519,
 * the TLS identity and the signer of enrolment, renewal and {@code PeerHello}), its mesh key
 * (X25519, derived from the node key with {@link SuperNodeCertificates#MESH_KEY_LABEL}) and its
 * current certificate from the login server.
 *
 * <p>Files in the data dir: {@value #KEY_FILE} (the 32-byte seed, owner-only, kept across
 * restarts) and {@value #CERT_FILE} (the last certificate, protobuf; written atomically, so a
 * restart needs no new enrolment token).
 *
 * <p>Thread-safe: the keys are immutable, the certificate is published through a volatile field.
 */
final class NodeIdentity {
    /** The node key's file in the data dir. */
    static final String KEY_FILE = "node.key";
    /** The certificate's file in the data dir. */
    static final String CERT_FILE = "node.cert";
    /** Largest certificate file read, in bytes (a certificate is about 170). */
    static final int MAX_CERT_FILE_BYTES = 4096;

    private final Ed25519KeyPair nodeKey;
    private final X25519KeyPair meshKey;
    private final byte[] keyId;
    private final @Nullable Path certFile;
    private volatile @Nullable SuperNodeCertificate certificate;

    NodeIdentity(Ed25519KeyPair nodeKey, @Nullable SuperNodeCertificate certificate, @Nullable Path certFile) {
        this.nodeKey = nodeKey;
        this.meshKey = X25519KeyPair.derive(nodeKey, SuperNodeCertificates.MESH_KEY_LABEL);
        this.keyId = SuperNodeCertificates.keyId(nodeKey.publicKey());
        this.certificate = certificate;
        this.certFile = certFile;
    }

    /**
     * Loads the node key (created on first start) and the stored certificate, if any. Blocking.
     *
     * @throws IOException if a file cannot be read or written, or {@value #CERT_FILE} is not a
     *     certificate of this node key
     */
    static NodeIdentity load(Path dataDir, SecureRandom random) throws IOException {
        AtomicFiles.createPrivateDirectories(dataDir);
        Ed25519KeyPair key = Ed25519KeyPair.loadOrCreate(dataDir.resolve(KEY_FILE), random);
        Path certFile = dataDir.resolve(CERT_FILE);
        SuperNodeCertificate stored = null;
        if (Files.exists(certFile)) {
            long size = Files.size(certFile);
            if (size > MAX_CERT_FILE_BYTES) {
                throw new IOException(String.format("%s: %d bytes (expected: <= %d); delete it and enrol again",
                        certFile, size, MAX_CERT_FILE_BYTES));
            }
            try {
                stored = SuperNodeCertificate.parseFrom(Files.readAllBytes(certFile));
            } catch (InvalidProtocolBufferException e) {
                throw new IOException(certFile + ": not a super-node certificate; delete it and enrol again", e);
            }
            if (!stored.getNodeKey().equals(ByteString.copyFrom(key.publicKey()))) {
                throw new IOException(certFile + ": a certificate for another node key than " + KEY_FILE
                        + "; delete it and enrol again");
            }
        }
        return new NodeIdentity(key, stored, certFile);
    }

    /** @return the node key (TLS identity, signer of requests and {@code PeerHello}) */
    Ed25519KeyPair nodeKey() {
        return nodeKey;
    }

    /** @return the mesh key derived from the node key (pairwise keys of mesh datagrams) */
    X25519KeyPair meshKey() {
        return meshKey;
    }

    /** @return this identity as mesh datagrams use it (the certificate read at each use, so renewals apply) */
    MeshIdentity mesh() {
        return new MeshIdentity(nodeKey.publicKey(), meshKey, this::certificate);
    }

    /** @return {@link SuperNodeCertificates#keyId} of the node key (a copy) */
    byte[] keyId() {
        return keyId.clone();
    }

    /** @return the node key's fingerprint, as operators name it ({@code revoke-supernode}) */
    String fingerprint() {
        return KeyVerifier.fingerprint(nodeKey.publicKey());
    }

    /** @return the current certificate, or null before the first enrolment */
    @Nullable SuperNodeCertificate certificate() {
        return certificate;
    }

    /**
     * Adopts a new certificate (in memory at once; call {@link #store()} to keep it).
     *
     * @throws IllegalArgumentException if it certifies other keys than this node's
     */
    void certified(SuperNodeCertificate fresh) {
        if (!fresh.getNodeKey().equals(ByteString.copyFrom(nodeKey.publicKey()))
                || !fresh.getMeshKey().equals(ByteString.copyFrom(meshKey.publicKey()))) {
            throw new IllegalArgumentException("certificate for other keys than this super node's");
        }
        certificate = fresh;
    }

    /**
     * Writes the current certificate to {@value #CERT_FILE} (atomically, fsynced). Blocking: call
     * it off the event loops. Nothing to do without a file or certificate.
     */
    void store() throws IOException {
        SuperNodeCertificate c = certificate;
        if (certFile != null && c != null) {
            AtomicFiles.write(certFile, c.toByteArray());
        }
    }
}
