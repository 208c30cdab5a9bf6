package dev.parley.protocol.tls;

import java.util.Arrays;
import org.jspecify.annotations.Nullable;

/**
 * Raw 32-byte keys (Ed25519, X25519) in and out of their RFC 8410 encodings (SubjectPublicKeyInfo
 * §4, OneAsymmetricKey §7), which for these curves are a fixed header followed by the key.
 */
final class Rfc8410 {
    /** Length of a raw key: {@value} bytes. */
    static final int KEY_BYTES = 32;

    private Rfc8410() {}

    /**
     * @return {@code header} followed by {@code raw}
     * @throws IllegalArgumentException if {@code raw} is not {@value #KEY_BYTES} bytes
     */
    static byte[] wrap(byte[] header, byte[] raw) {
        if (raw.length != KEY_BYTES) {
            throw new IllegalArgumentException(String.format("key: %d bytes (expected: %d)", raw.length, KEY_BYTES));
        }
        byte[] der = Arrays.copyOf(header, header.length + KEY_BYTES);
        System.arraycopy(raw, 0, der, header.length, KEY_BYTES);
        return der;
    }

    /** @return the raw key after {@code header}, or null if {@code der} is not {@code header} and a key */
    static byte @Nullable [] unwrap(byte @Nullable [] der, byte[] header) {
        if (der == null || der.length != header.length + KEY_BYTES
                || !Arrays.equals(der, 0, header.length, header, 0, header.length)) {
            return null;
        }
        return Arrays.copyOfRange(der, header.length, der.length);
    }
}
