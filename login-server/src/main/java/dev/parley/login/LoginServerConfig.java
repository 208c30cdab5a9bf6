package dev.parley.login;

import dev.parley.protocol.HostPort;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Settings of a {@link LoginServer}. Start from {@link #defaults(HostPort, Path)} and adjust with
 * the {@code with…} methods.
 *
 * @param listen address to bind; port 0 picks a free port (see {@link LoginServer#boundAddress()})
 * @param dataDir directory for the signing key ({@code login-server.key}, {@code login-server.pub})
 *     and the default SQLite database ({@code accounts.db}); created if missing
 * @param jdbcUrl account database, e.g. {@code jdbc:postgresql://db/parley?user=…}; without one, the
 *     SQLite file {@code dataDir/accounts.db}. Login servers on one database share accounts,
 *     enrolments, the super-node directory and one signing key ({@link TrustRoot})
 * @param clock time source for credential validity and super-node liveness
 * @param credentialLifetime how long an issued credential is valid (positive; default 1 h: clients renew at 75 %)
 * @param superNodeTtl how long a super node stays in the directory after a heartbeat (positive; default 15 s)
 * @param argon2 cost of new password hashes (default {@link Argon2Params#OWASP})
 * @param workerThreads threads (and DB connections) for Argon2id and JDBC work (default 2)
 * @param workQueueCapacity requests waiting for a worker beyond which new ones get RATE_LIMITED (default 256)
 * @param random source of password salts and of a newly generated signing key
 * @param limits abuse limits (default {@link LoginLimits#DEFAULTS}; always on)
 */
public record LoginServerConfig(HostPort listen, Path dataDir, @Nullable String jdbcUrl, InstantSource clock,
        Duration credentialLifetime, Duration superNodeTtl, Argon2Params argon2, int workerThreads,
        int workQueueCapacity, SecureRandom random, LoginLimits limits) {
    /** Default validity of issued credentials. */
    public static final Duration DEFAULT_CREDENTIAL_LIFETIME = Duration.ofHours(1);
    /** Default super-node liveness after a heartbeat. */
    public static final Duration DEFAULT_SUPER_NODE_TTL = Duration.ofSeconds(15);
    /** Default number of worker threads. */
    public static final int DEFAULT_WORKER_THREADS = 2;
    /** Default bound of the worker queue. */
    public static final int DEFAULT_WORK_QUEUE_CAPACITY = 256;

    /** @throws IllegalArgumentException or NullPointerException for invalid settings */
    public LoginServerConfig {
        Objects.requireNonNull(listen, "listen");
        Objects.requireNonNull(dataDir, "dataDir");
        Objects.requireNonNull(clock, "clock");
        Objects.requireNonNull(argon2, "argon2");
        Objects.requireNonNull(random, "random");
        Objects.requireNonNull(limits, "limits");
        requirePositive("credentialLifetime", credentialLifetime);
        requirePositive("superNodeTtl", superNodeTtl);
        if (workerThreads < 1) {
            throw new IllegalArgumentException(String.format("workerThreads: %d (expected: >= 1)", workerThreads));
        }
        if (workQueueCapacity < 1) {
            throw new IllegalArgumentException(String.format("workQueueCapacity: %d (expected: >= 1)", workQueueCapacity));
        }
    }

    /** @return production defaults: SQLite in {@code dataDir}, system clock, OWASP Argon2id cost */
    public static LoginServerConfig defaults(HostPort listen, Path dataDir) {
        return new LoginServerConfig(listen, dataDir, null, InstantSource.system(), DEFAULT_CREDENTIAL_LIFETIME,
                DEFAULT_SUPER_NODE_TTL, Argon2Params.OWASP, DEFAULT_WORKER_THREADS, DEFAULT_WORK_QUEUE_CAPACITY,
                new SecureRandom(), LoginLimits.DEFAULTS);
    }

    /** @return the JDBC URL to use: {@link #jdbcUrl()} or the SQLite file {@code dataDir/accounts.db} */
    public String effectiveJdbcUrl() {
        return jdbcUrl != null ? jdbcUrl : AccountStore.sqliteUrl(dataDir.resolve("accounts.db"));
    }

    /** @return a copy with another account database URL (none = SQLite in the data dir) */
    public LoginServerConfig withJdbcUrl(@Nullable String url) {
        return new LoginServerConfig(listen, dataDir, url, clock, credentialLifetime, superNodeTtl, argon2,
                workerThreads, workQueueCapacity, random, limits);
    }

    /** @return a copy with another clock */
    public LoginServerConfig withClock(InstantSource c) {
        return new LoginServerConfig(listen, dataDir, jdbcUrl, c, credentialLifetime, superNodeTtl, argon2,
                workerThreads, workQueueCapacity, random, limits);
    }

    /** @return a copy with another credential lifetime */
    public LoginServerConfig withCredentialLifetime(Duration lifetime) {
        return new LoginServerConfig(listen, dataDir, jdbcUrl, clock, lifetime, superNodeTtl, argon2,
                workerThreads, workQueueCapacity, random, limits);
    }

    /** @return a copy with another super-node TTL */
    public LoginServerConfig withSuperNodeTtl(Duration ttl) {
        return new LoginServerConfig(listen, dataDir, jdbcUrl, clock, credentialLifetime, ttl, argon2,
                workerThreads, workQueueCapacity, random, limits);
    }

    /** @return a copy with other Argon2id costs for new hashes */
    public LoginServerConfig withArgon2(Argon2Params params) {
        return new LoginServerConfig(listen, dataDir, jdbcUrl, clock, credentialLifetime, superNodeTtl, params,
                workerThreads, workQueueCapacity, random, limits);
    }

    /** @return a copy with another worker pool size and queue bound */
    public LoginServerConfig withWorkers(int threads, int queueCapacity) {
        return new LoginServerConfig(listen, dataDir, jdbcUrl, clock, credentialLifetime, superNodeTtl, argon2,
                threads, queueCapacity, random, limits);
    }

    /** @return a copy with another random source (e.g. seeded in tests) */
    public LoginServerConfig withRandom(SecureRandom r) {
        return new LoginServerConfig(listen, dataDir, jdbcUrl, clock, credentialLifetime, superNodeTtl, argon2,
                workerThreads, workQueueCapacity, r, limits);
    }

    /** @return a copy with other abuse limits (e.g. lifted per-address limits for a bot fleet on one host) */
    public LoginServerConfig withLimits(LoginLimits l) {
        return new LoginServerConfig(listen, dataDir, jdbcUrl, clock, credentialLifetime, superNodeTtl, argon2,
                workerThreads, workQueueCapacity, random, l);
    }

    private static void requirePositive(String name, Duration d) {
        Objects.requireNonNull(d, name);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + ": " + d + " (expected: > 0)");
        }
    }
}
