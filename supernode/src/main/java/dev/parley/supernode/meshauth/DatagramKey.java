package dev.parley.supernode.meshauth;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.bouncycastle.crypto.params.KeyParameter;

/**
 * One direction's ChaCha20-Poly1305 key and IV between two super-node boots (layout and derivation in
 * {@link MeshSeal}). The per-datagram nonce is the IV XOR the 64-bit counter in its last 8 bytes
 * (as TLS 1.3 does, RFC 8446 §5.3), so a counter unique per sender boot gives a nonce unique per key.
 *
 * @param key the 32-byte ChaCha20-Poly1305 key (RFC 8439 §2.8)
 * @param iv the 12-byte IV
 */
record DatagramKey(KeyParameter key, byte[] iv) {
    /** HKDF info prefix: versions the derivation (v2: ChaCha20-Poly1305 instead of AES-128-GCM). */
    static final byte[] LABEL = "parley-mesh-seal-v2".getBytes(StandardCharsets.US_ASCII);
    static final int KEY_BYTES = 32;
    static final int IV_BYTES = 12;

    /**
     * Derives the key of datagrams from sender to receiver: HKDF-SHA256 (RFC 5869) with
     * <pre>
     * IKM  = X25519(sender mesh key, receiver mesh key)          (32 bytes, the same both ways)
     * salt = sender key id | sender boot | receiver key id | receiver boot   (4 × 8 bytes)
     * info = "parley-mesh-seal-v1" | sender mesh key | receiver mesh key     (19 + 32 + 32 bytes)
     * OKM  = key (16) | iv (12)
     * </pre>
     * The order in salt and info is the direction: the two directions get independent keys.
     *
     * @param sharedSecret the X25519 shared secret of the two mesh keys
     * @param senderKeyId sender's key id
     * @param senderBoot sender's boot id
     * @param senderMeshKey sender's raw 32-byte X25519 public key
     * @param receiverKeyId receiver's key id
     * @param receiverBoot receiver's boot id, or 0 when the sender knows none yet
     * @param receiverMeshKey receiver's raw 32-byte X25519 public key
     * @return the key
     */
    static DatagramKey derive(byte[] sharedSecret, long senderKeyId, long senderBoot, byte[] senderMeshKey,
            long receiverKeyId, long receiverBoot, byte[] receiverMeshKey) {
        byte[] salt = ByteBuffer.allocate(32).putLong(senderKeyId).putLong(senderBoot).putLong(receiverKeyId)
                .putLong(receiverBoot).array();
        byte[] info = ByteBuffer.allocate(LABEL.length + senderMeshKey.length + receiverMeshKey.length).put(LABEL)
                .put(senderMeshKey).put(receiverMeshKey).array();
        byte[] okm = Hkdf.sha256(sharedSecret, salt, info, KEY_BYTES + IV_BYTES);
        return new DatagramKey(new KeyParameter(okm, 0, KEY_BYTES), Arrays.copyOfRange(okm, KEY_BYTES, KEY_BYTES + IV_BYTES));
    }

    /** @return the 12-byte nonce of datagram {@code counter} */
    byte[] nonce(long counter) {
        byte[] nonce = iv.clone();
        for (int i = 0; i < 8; i++) {
            nonce[IV_BYTES - 1 - i] ^= (byte) (counter >>> (8 * i));
        }
        return nonce;
    }
}
