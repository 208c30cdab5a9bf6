package dev.parley.supernode.meshauth;

import dev.parley.protocol.Ed25519KeyPair;
import dev.parley.protocol.SuperNodeCertificates;
import dev.parley.protocol.X25519KeyPair;
import dev.parley.protocol.wire.SuperNodeCertificate;
import java.nio.ByteBuffer;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * This super node as its mesh datagrams name it.
 *
 * @param nodeKey its raw 32-byte Ed25519 public key (what its certificate certifies)
 * @param meshKey its X25519 mesh key pair (the certificate's {@code mesh_key} is its public key)
 * @param certificate its current certificate from the login server, if it has one yet; asked for
 *     at every seal, so a renewed certificate is sent from then on
 */
public record MeshIdentity(byte[] nodeKey, X25519KeyPair meshKey, Supplier<@Nullable SuperNodeCertificate> certificate) {
    /** @throws IllegalArgumentException if the node key is not 32 bytes */
    public MeshIdentity {
        if (nodeKey.length != Ed25519KeyPair.KEY_BYTES) {
            throw new IllegalArgumentException(String.format("nodeKey: %d bytes (expected: %d)", nodeKey.length,
                    Ed25519KeyPair.KEY_BYTES));
        }
        nodeKey = nodeKey.clone();
    }

    /** @return the key id datagrams name this node by ({@link SuperNodeCertificates#keyId}, big-endian) */
    public long keyId() {
        return keyIdOf(nodeKey);
    }

    /** @return the key id of a raw node key, as a big-endian long */
    static long keyIdOf(byte[] nodeKey) {
        return ByteBuffer.wrap(SuperNodeCertificates.keyId(nodeKey)).getLong();
    }
}
