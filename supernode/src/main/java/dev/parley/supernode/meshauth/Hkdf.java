package dev.parley.supernode.meshauth;

import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.generators.HKDFBytesGenerator;
import org.bouncycastle.crypto.params.HKDFParameters;

/** HKDF-SHA256 (RFC 5869 §2: extract, then expand) over BouncyCastle. */
final class Hkdf {
    private Hkdf() {}

    /**
     * @param ikm input keying material (e.g. an X25519 shared secret)
     * @param salt extract salt (RFC 5869 §2.2)
     * @param info expand context (RFC 5869 §2.3)
     * @param lengthBytes output length, 1..8160 bytes (255 · 32)
     * @return the output keying material
     * @throws IllegalArgumentException if the length is out of range
     */
    static byte[] sha256(byte[] ikm, byte[] salt, byte[] info, int lengthBytes) {
        if (lengthBytes < 1 || lengthBytes > 255 * 32) {
            throw new IllegalArgumentException(String.format("lengthBytes: %d (expected: 1..%d)", lengthBytes, 255 * 32));
        }
        HKDFBytesGenerator hkdf = new HKDFBytesGenerator(new SHA256Digest());
        hkdf.init(new HKDFParameters(ikm, salt, info));
        byte[] okm = new byte[lengthBytes];
        hkdf.generateBytes(okm, 0, lengthBytes);
        return okm;
    }
}
