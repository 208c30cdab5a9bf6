package dev.parley.protocol;

import dev.parley.protocol.wire.ErrorCode;
import org.bouncycastle.crypto.InvalidCipherTextException;
import org.bouncycastle.crypto.hpke.HPKE;

/**
 * Single-shot HPKE (RFC 9180, base mode: DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-128-GCM) to
 * a user's certified X25519 key, as {@code box = enc (32) | ciphertext (plaintext + 16-byte tag)}:
 * what call signals ({@link CallSignalSeals}) and chat packets ({@link ChatSeals}) are sealed with.
 * Base mode does not authenticate the sender: callers sign the box.
 */
public final class HpkeBoxes {
    /** Length of the encapsulated key at the start of a box, in bytes. */
    public static final int ENC_BYTES = 32;
    /** Length of the AEAD tag, in bytes. */
    public static final int TAG_BYTES = 16;

    private HpkeBoxes() {}

    private static HPKE hpke() {
        return new HPKE(HPKE.mode_base, HPKE.kem_X25519_SHA256, HPKE.kdf_HKDF_SHA256, HPKE.aead_AES_GCM128);
    }

    /**
     * @param recipientKey a usable raw 32-byte X25519 public key
     * @param info the HPKE info (a context string)
     * @param aad associated data bound to the ciphertext
     * @return enc | ciphertext
     * @throws IllegalArgumentException for a recipient key that is not a usable X25519 key
     */
    public static byte[] seal(byte[] recipientKey, byte[] info, byte[] aad, byte[] plaintext) {
        if (!X25519KeyPair.isUsable(recipientKey)) {
            throw new IllegalArgumentException("recipientKey: not a usable X25519 key");
        }
        HPKE hpke = hpke();
        byte[][] ctEnc;
        try {
            ctEnc = hpke.seal(hpke.deserializePublicKey(recipientKey), info, aad, plaintext, null, null, null);
        } catch (InvalidCipherTextException e) {
            throw new IllegalStateException("HPKE seal failed", e); // sealing does not fail with a usable key
        }
        byte[] box = new byte[ctEnc[1].length + ctEnc[0].length];
        System.arraycopy(ctEnc[1], 0, box, 0, ctEnc[1].length);
        System.arraycopy(ctEnc[0], 0, box, ctEnc[1].length, ctEnc[0].length);
        return box;
    }

    /**
     * @param box enc | ciphertext, at least {@code ENC_BYTES + TAG_BYTES} long (the caller checks bounds)
     * @return the plaintext
     * @throws ProtocolException {@link ErrorCode#INVALID_CREDENTIAL} if it does not decrypt with
     *     {@code recipient} (tampered, other aad, or sealed to another key)
     */
    public static byte[] open(byte[] box, X25519KeyPair recipient, byte[] info, byte[] aad, String what)
            throws ProtocolException {
        if (box.length < ENC_BYTES + TAG_BYTES) {
            throw new ProtocolException(ErrorCode.BAD_REQUEST, String.format("%s: %d bytes (expected: >= %d)",
                    what, box.length, ENC_BYTES + TAG_BYTES));
        }
        byte[] enc = new byte[ENC_BYTES];
        System.arraycopy(box, 0, enc, 0, ENC_BYTES);
        byte[] ct = new byte[box.length - ENC_BYTES];
        System.arraycopy(box, ENC_BYTES, ct, 0, ct.length);
        try {
            return hpke().open(enc, recipient.toBouncyCastle(), info, aad, ct, null, null, null);
        } catch (InvalidCipherTextException | RuntimeException e) { // BouncyCastle: a low-order enc fails agreement
            throw new ProtocolException(ErrorCode.INVALID_CREDENTIAL, what + " does not decrypt with our key: " + e.getMessage());
        }
    }
}
