package dev.parley.codec.srtp;

import java.security.GeneralSecurityException;
import java.util.Arrays;
import javax.crypto.Cipher;
import javax.crypto.spec.SecretKeySpec;

/**
 * The SRTP key derivation function of RFC 3711 §4.3 with the AES-CM PRF (§4.3.3), key derivation
 * rate 0: each session key is AES-CM keystream under the master key, from the block
 * {@code (master_salt XOR (label || 0^48)) * 2^16}. The master salt is left-aligned in the 16-byte
 * block as RFC 3711 §4.3.2 lays it out for its 112-bit salt, so a 96-bit GCM salt (RFC 7714 §12) is
 * followed by zeros, as in libsrtp and Pion.
 */
public final class SrtpKeyDerivation {
    /** RFC 3711 §4.3.1 label of the SRTP encryption key. */
    static final int LABEL_RTP_ENCRYPTION = 0x00;
    /** RFC 3711 §4.3.1 label of the SRTP authentication key (unused by AEAD suites). */
    static final int LABEL_RTP_AUTHENTICATION = 0x01;
    /** RFC 3711 §4.3.1 label of the SRTP salting key. */
    static final int LABEL_RTP_SALT = 0x02;
    /** RFC 3711 §4.3.2 label of the SRTCP encryption key. */
    static final int LABEL_RTCP_ENCRYPTION = 0x03;
    /** RFC 3711 §4.3.2 label of the SRTCP authentication key (unused by AEAD suites). */
    static final int LABEL_RTCP_AUTHENTICATION = 0x04;
    /** RFC 3711 §4.3.2 label of the SRTCP salting key. */
    static final int LABEL_RTCP_SALT = 0x05;
    /** Longest master salt RFC 3711 allows: the label sits at octet 7 of the 14-octet x. */
    private static final int MAX_SALT_BYTES = 14;
    private static final int BLOCK_BYTES = 16;

    private SrtpKeyDerivation() {
    }

    /**
     * Derives one direction's SRTP and SRTCP session keys and salts (16 and 12 bytes).
     *
     * @param master the direction's master key and salt
     * @return the session keys (RFC 7714 §12: 128-bit keys, 96-bit salts)
     */
    public static SrtpSessionKeys derive(SrtpMasterKey master) {
        byte[] key = master.key();
        byte[] salt = master.salt();
        try {
            return new SrtpSessionKeys(
                    derive(key, salt, LABEL_RTP_ENCRYPTION, SrtpMasterKey.KEY_BYTES),
                    derive(key, salt, LABEL_RTP_SALT, SrtpMasterKey.SALT_BYTES),
                    derive(key, salt, LABEL_RTCP_ENCRYPTION, SrtpMasterKey.KEY_BYTES),
                    derive(key, salt, LABEL_RTCP_SALT, SrtpMasterKey.SALT_BYTES));
        } finally {
            Arrays.fill(key, (byte) 0);
        }
    }

    /**
     * The AES-CM PRF of RFC 3711 §4.3.3 for one label, key derivation rate 0 (RFC 3711 Appendix B.3
     * gives vectors for a 112-bit salt).
     *
     * @param masterKey 16, 24 or 32 bytes
     * @param masterSalt at most 14 bytes
     * @param label 0x00..0x05
     * @param outBytes bytes of keystream wanted
     * @return the first {@code outBytes} bytes of AES-CM keystream
     * @throws IllegalArgumentException if the salt is longer than 14 bytes or the key not an AES key
     */
    static byte[] derive(byte[] masterKey, byte[] masterSalt, int label, int outBytes) {
        if (masterSalt.length > MAX_SALT_BYTES) {
            throw new IllegalArgumentException(String.format("masterSalt: %d bytes (expected: <= %d)",
                    masterSalt.length, MAX_SALT_BYTES));
        }
        byte[] x = new byte[BLOCK_BYTES];
        System.arraycopy(masterSalt, 0, x, 0, masterSalt.length);
        x[7] ^= (byte) label; // key_id = label || (index DIV kdr = 0), right-aligned in the 14-octet x
        int blocks = (outBytes + BLOCK_BYTES - 1) / BLOCK_BYTES;
        byte[] stream = new byte[blocks * BLOCK_BYTES];
        try {
            Cipher aes = Cipher.getInstance("AES/ECB/NoPadding");
            aes.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(masterKey, "AES"));
            for (int i = 0; i < blocks; i++) {
                x[14] = (byte) (i >>> 8);
                x[15] = (byte) i;
                aes.doFinal(x, 0, BLOCK_BYTES, stream, i * BLOCK_BYTES);
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("masterKey: " + masterKey.length + " bytes (expected: an AES key)", e);
        }
        byte[] out = Arrays.copyOf(stream, outBytes);
        Arrays.fill(stream, (byte) 0);
        return out;
    }
}
