package dev.parley.login;

/**
 * Argon2id cost parameters (RFC 9106 §3.1).
 *
 * @param memoryKiB memory size m, in KiB (at least 8 × parallelism)
 * @param iterations number of passes t (at least 1)
 * @param parallelism degree of parallelism p (1..255; lanes, not threads we spawn)
 */
public record Argon2Params(int memoryKiB, int iterations, int parallelism) {
    /**
     * OWASP Password Storage Cheat Sheet minimum for Argon2id: m = 19 MiB, t = 2, p = 1.
     * About 20–50 ms per hash on a current server core.
     */
    public static final Argon2Params OWASP = new Argon2Params(19 * 1024, 2, 1);

    /** @throws IllegalArgumentException if a parameter is out of the range RFC 9106 allows (or we accept) */
    public Argon2Params {
        if (parallelism < 1 || parallelism > 255) {
            throw new IllegalArgumentException(String.format("parallelism: %d (expected: 1..255)", parallelism));
        }
        if (iterations < 1 || iterations > 64) {
            throw new IllegalArgumentException(String.format("iterations: %d (expected: 1..64)", iterations));
        }
        // Upper bound 4 GiB keeps a corrupt DB row from asking for absurd memory.
        if (memoryKiB < 8 * parallelism || memoryKiB > 4 * 1024 * 1024) {
            throw new IllegalArgumentException(String.format("memoryKiB: %d (expected: %d..%d)",
                    memoryKiB, 8 * parallelism, 4 * 1024 * 1024));
        }
    }
}
