package dev.parley.supernode;

import dev.parley.protocol.Ed25519KeyPair;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.SplittableRandom;

/** Deterministic keys and random sources for tests. */
final class TestKeys {
    private TestKeys() {}

    /** @return an Ed25519 key pair derived from {@code seed} */
    static Ed25519KeyPair key(long seed) {
        byte[] bytes = new byte[Ed25519KeyPair.KEY_BYTES];
        new SplittableRandom(seed).nextBytes(bytes);
        return Ed25519KeyPair.fromSeed(bytes);
    }

    /** @return a key pair for a test user, derived from its name */
    static Ed25519KeyPair userKey(String username) {
        return key(username.hashCode() * 31L + 7);
    }

    /** @return a deterministic SecureRandom (SHA1PRNG seeded before first use) */
    static SecureRandom seededSecureRandom(long seed) {
        try {
            SecureRandom r = SecureRandom.getInstance("SHA1PRNG");
            r.setSeed(seed);
            return r;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
