package dev.parley.protocol;

import com.google.protobuf.ByteString;
import dev.parley.protocol.wire.ErrorCode;
import dev.parley.protocol.wire.ServeOffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;

/**
 * A client's offer to serve as a super node ({@code ServeOffer}; docs/architecture.md
 * "Self-organizing overlay"), signed by the node key of its super-node role:
 * <pre>
 * "parley-serve-offer-v1" | node_key (32) | mesh_key (32) | len(host) | host (UTF-8) | port (uint16) | signed_at_ms (int64)
 * </pre>
 * (the layout of {@link SuperNodeCertificates#requestInput}, with its own context, so an offer can
 * never be replayed as an enrolment or renewal).
 */
public final class ServeOffers {
    private static final byte[] CONTEXT = "parley-serve-offer-v1".getBytes(StandardCharsets.US_ASCII);

    private ServeOffers() {
    }

    /**
     * @param caps the offer's caps and health (keys, address and signature are set here)
     * @return {@code caps} completed with {@code node}'s keys, {@code address}, {@code nowMs} and the signature
     */
    public static ServeOffer sign(Ed25519KeyPair node, X25519KeyPair mesh, HostPort address, long nowMs,
            ServeOffer.Builder caps) {
        byte[] input = SuperNodeCertificates.requestInput(CONTEXT, node.publicKey(), mesh.publicKey(),
                address.toAddress(), nowMs);
        return caps.setNodeKey(ByteString.copyFrom(node.publicKey())).setMeshKey(ByteString.copyFrom(mesh.publicKey()))
                .setAddress(address.toAddress()).setSignedAtMs(nowMs).setSignature(ByteString.copyFrom(node.sign(input)))
                .build();
    }

    /**
     * Checks the keys' sizes, the signing time and the proof of possession.
     *
     * @throws ProtocolException {@link ErrorCode#INVALID_CREDENTIAL} as
     *     {@link SuperNodeCertificates#verifyRequest} (wrong key sizes, time off by more than
     *     {@link Credentials#CLOCK_SKEW}, signature not by {@code node_key})
     */
    public static void verify(ServeOffer offer, Instant now) throws ProtocolException {
        ByteString nodeKey = offer.getNodeKey();
        ByteString meshKey = offer.getMeshKey();
        if (nodeKey.size() != Ed25519KeyPair.KEY_BYTES || meshKey.size() != X25519KeyPair.KEY_BYTES) {
            throw new ProtocolException(ErrorCode.INVALID_CREDENTIAL, String.format(
                    "node_key and mesh_key: %d and %d bytes (expected: %d and %d)", nodeKey.size(), meshKey.size(),
                    Ed25519KeyPair.KEY_BYTES, X25519KeyPair.KEY_BYTES));
        }
        long skewMs = Math.abs(now.toEpochMilli() - offer.getSignedAtMs());
        if (skewMs > Credentials.CLOCK_SKEW.toMillis()) {
            throw new ProtocolException(ErrorCode.INVALID_CREDENTIAL, String.format(
                    "signed_at_ms: %d ms from now (expected: <= %d)", skewMs, Credentials.CLOCK_SKEW.toMillis()));
        }
        byte[] input = SuperNodeCertificates.requestInput(CONTEXT, nodeKey.toByteArray(), meshKey.toByteArray(),
                offer.getAddress(), offer.getSignedAtMs());
        if (!Ed25519KeyPair.verify(nodeKey.toByteArray(), input, offer.getSignature().toByteArray())) {
            throw new ProtocolException(ErrorCode.INVALID_CREDENTIAL,
                    "serve offer: signature does not verify with node_key (expected: proof of possession of the node key)");
        }
    }
}
