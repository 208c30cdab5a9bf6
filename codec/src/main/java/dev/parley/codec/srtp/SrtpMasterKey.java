package dev.parley.codec.srtp;

import java.util.Arrays;

/**
 * One direction's SRTP master key and master salt for AEAD_AES_128_GCM (RFC 7714 §12: a 16-byte
 * master key and a 12-byte master salt), from which the session keys are derived (RFC 3711 §4.3).
 *
 * @param key the 16-byte master key
 * @param salt the 12-byte master salt
 */
public record SrtpMasterKey(byte[] key, byte[] salt) {
    /** Master key length of AEAD_AES_128_GCM, in bytes. */
    public static final int KEY_BYTES = 16;
    /** Master salt length of AEAD_AES_128_GCM, in bytes. */
    public static final int SALT_BYTES = 12;

    /** @throws IllegalArgumentException if the key is not 16 bytes or the salt not 12 */
    public SrtpMasterKey {
        if (key.length != KEY_BYTES || salt.length != SALT_BYTES) {
            throw new IllegalArgumentException(String.format("master key/salt: %d/%d bytes (expected: %d/%d)",
                    key.length, salt.length, KEY_BYTES, SALT_BYTES));
        }
        key = key.clone();
        salt = salt.clone();
    }

    @Override
    public byte[] key() {
        return key.clone();
    }

    @Override
    public byte[] salt() {
        return salt.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SrtpMasterKey other && Arrays.equals(key, other.key) && Arrays.equals(salt, other.salt);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(key) + Arrays.hashCode(salt);
    }

    @Override
    public String toString() {
        return "SrtpMasterKey[redacted]"; // never log key material
    }
}
