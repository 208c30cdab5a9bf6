package dev.parley.login;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import org.bouncycastle.crypto.generators.Argon2BytesGenerator;
import org.bouncycastle.crypto.params.Argon2Parameters;

/**
 * Argon2id password hashing (RFC 9106) with BouncyCastle's {@link Argon2BytesGenerator}.
 *
 * <p>Passwords are encoded as UTF-8. Each hash gets a fresh {@value #SALT_BYTES}-byte salt and a
 * {@value #HASH_BYTES}-byte output. Verification recomputes with the parameters stored in the
 * {@link PasswordHash}, not the current ones, and compares in constant time.
 *
 * <p>Blocking and CPU/memory heavy (tens of milliseconds with {@link Argon2Params#OWASP}): never
 * call on a Netty event loop. Thread-safe if the {@link SecureRandom} is (the JDK's is).
 */
public final class PasswordHasher {
    /** Salt length, in bytes (RFC 9106 §3.1 recommends 16). */
    public static final int SALT_BYTES = 16;
    /** Hash output length, in bytes. */
    public static final int HASH_BYTES = 32;
    /** The Argon2 version this class writes: 1.3 (0x13). */
    public static final int VERSION = Argon2Parameters.ARGON2_VERSION_13;

    private final Argon2Params params;
    private final SecureRandom random;

    /**
     * @param params cost parameters for new hashes
     * @param random source of salts
     */
    public PasswordHasher(Argon2Params params, SecureRandom random) {
        this.params = params;
        this.random = random;
    }

    /** @return the cost parameters used for new hashes */
    public Argon2Params params() {
        return params;
    }

    /** @return a new salted Argon2id hash of {@code password} under the current parameters */
    public PasswordHash hash(String password) {
        byte[] salt = new byte[SALT_BYTES];
        random.nextBytes(salt);
        return new PasswordHash(compute(password, salt, params, VERSION), salt, params, VERSION);
    }

    /**
     * Recomputes the hash of {@code password} with the stored salt, parameters and version.
     *
     * @return true if it matches {@code stored} (constant-time comparison)
     */
    public boolean verify(String password, PasswordHash stored) {
        byte[] candidate = compute(password, stored.salt(), stored.params(), stored.version());
        return MessageDigest.isEqual(candidate, stored.hash());
    }

    private static byte[] compute(String password, byte[] salt, Argon2Params p, int version) {
        Argon2Parameters parameters = new Argon2Parameters.Builder(Argon2Parameters.ARGON2_id)
                .withVersion(version)
                .withSalt(salt)
                .withMemoryAsKB(p.memoryKiB())
                .withIterations(p.iterations())
                .withParallelism(p.parallelism())
                .build();
        Argon2BytesGenerator generator = new Argon2BytesGenerator();
        generator.init(parameters);
        byte[] secret = password.getBytes(StandardCharsets.UTF_8);
        byte[] out = new byte[HASH_BYTES];
        try {
            generator.generateBytes(secret, out);
        } finally {
            Arrays.fill(secret, (byte) 0);
        }
        return out;
    }
}
