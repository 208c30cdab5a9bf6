package dev.parley.login;

import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Random;
import org.bouncycastle.crypto.params.Ed25519PublicKeyParameters;

/** Shared fixtures: cheap Argon2 costs and seeded randomness. */
final class TestSupport {
    /** Cheap enough for tests (about a millisecond), still a real Argon2id computation. */
    static final Argon2Params CHEAP = new Argon2Params(256, 1, 1);
    static final Instant T0 = Instant.parse("2025-01-01T00:00:00Z");

    private TestSupport() {}

    /** @return a deterministic SecureRandom (SHA1PRNG seeded before first use) */
    static SecureRandom seededRandom(long seed) {
        try {
            SecureRandom r = SecureRandom.getInstance("SHA1PRNG");
            r.setSeed(seed);
            return r;
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    /** @return 32 bytes that are not the encoding of an Ed25519 point (found by a seeded search) */
    static byte[] invalidEd25519Key() {
        Random r = new Random(7);
        while (true) {
            byte[] k = new byte[32];
            r.nextBytes(k);
            try {
                new Ed25519PublicKeyParameters(k, 0);
            } catch (IllegalArgumentException e) {
                return k;
            }
        }
    }
}
