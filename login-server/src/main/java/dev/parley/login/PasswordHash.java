package dev.parley.login;

import java.util.Arrays;
import java.util.HexFormat;

/**
 * A stored Argon2id password hash together with everything needed to recompute it, so that
 * hashes made under older cost parameters keep verifying after the configuration changes.
 *
 * @param hash Argon2id output ({@link PasswordHasher#HASH_BYTES} bytes)
 * @param salt per-user random salt ({@link PasswordHasher#SALT_BYTES} bytes)
 * @param params the cost parameters the hash was made with
 * @param version Argon2 version number (0x13 = 19 for version 1.3, RFC 9106 §3.1)
 */
public record PasswordHash(byte[] hash, byte[] salt, Argon2Params params, int version) {
    /** Copies the arrays so the record stays immutable. */
    public PasswordHash {
        hash = hash.clone();
        salt = salt.clone();
    }

    @Override
    public byte[] hash() {
        return hash.clone();
    }

    @Override
    public byte[] salt() {
        return salt.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PasswordHash other && Arrays.equals(hash, other.hash) && Arrays.equals(salt, other.salt)
                && params.equals(other.params) && version == other.version;
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(hash) + Arrays.hashCode(salt);
    }

    /** Shows the parameters and a salt prefix only: hashes do not belong in logs. */
    @Override
    public String toString() {
        return "PasswordHash[" + params + ", version=" + version + ", salt=" + HexFormat.of().formatHex(salt, 0, 4) + "…]";
    }
}
