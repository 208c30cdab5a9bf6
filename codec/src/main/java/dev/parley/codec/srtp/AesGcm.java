package dev.parley.codec.srtp;

import java.security.GeneralSecurityException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * One session key's AES-128-GCM (the JDK's, AES-NI backed) with the SRTP/SRTCP IV of RFC 7714
 * §8.1 and §9.1: {@code (00 00 || SSRC || index) XOR salt}, where the 48-bit index is
 * {@code ROC || SEQ} for SRTP and {@code 0 || 31-bit SRTCP index} for SRTCP. The Cipher is reused
 * and re-initialised per packet (each packet has its own IV); confined to one thread.
 */
final class AesGcm {
    /** Authentication tag length, bytes (RFC 7714 §12: 16 octets). */
    static final int TAG_BYTES = 16;
    private static final int IV_BYTES = 12;
    private final Cipher cipher;
    private final SecretKeySpec key;
    private final byte[] salt;
    private final byte[] iv = new byte[IV_BYTES];

    /**
     * @param key 16-byte session key
     * @param salt 12-byte session salt
     */
    AesGcm(byte[] key, byte[] salt) {
        this.key = new SecretKeySpec(key, "AES");
        this.salt = salt.clone();
        try {
            this.cipher = Cipher.getInstance("AES/GCM/NoPadding");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES/GCM/NoPadding is unavailable", e);
        }
    }

    /**
     * Initialises the cipher for one packet; the caller then feeds the AAD and the body.
     *
     * @param mode {@link Cipher#ENCRYPT_MODE} or {@link Cipher#DECRYPT_MODE}
     * @param ssrc 32-bit SSRC as unsigned
     * @param index 48-bit SRTP index or 31-bit SRTCP index
     * @return the initialised cipher
     */
    Cipher start(int mode, long ssrc, long index) {
        iv[0] = salt[0];
        iv[1] = salt[1];
        iv[2] = (byte) (salt[2] ^ (ssrc >>> 24));
        iv[3] = (byte) (salt[3] ^ (ssrc >>> 16));
        iv[4] = (byte) (salt[4] ^ (ssrc >>> 8));
        iv[5] = (byte) (salt[5] ^ ssrc);
        iv[6] = (byte) (salt[6] ^ (index >>> 40));
        iv[7] = (byte) (salt[7] ^ (index >>> 32));
        iv[8] = (byte) (salt[8] ^ (index >>> 24));
        iv[9] = (byte) (salt[9] ^ (index >>> 16));
        iv[10] = (byte) (salt[10] ^ (index >>> 8));
        iv[11] = (byte) (salt[11] ^ index);
        try {
            cipher.init(mode, key, new GCMParameterSpec(TAG_BYTES * 8, iv));
        } catch (GeneralSecurityException e) {
            // Only a repeated (key, IV) for encryption gets here, which the senders' index checks rule out.
            throw new IllegalStateException("GCM init failed for ssrc " + Long.toHexString(ssrc) + " index " + index, e);
        }
        return cipher;
    }
}
