package dev.parley.login;

import java.time.Duration;
import java.util.Objects;

/**
 * Abuse limits of a {@link LoginServer} (docs/security.md "Login server abuse limits"). Every
 * limit is always on: the record only accepts positive values.
 *
 * @param hashBurst Argon2id requests (Login, CreateAccount) one source address may send at once
 * @param hashesPerSecond sustained Argon2id requests per second per source address
 * @param accountsBurst accounts one source address may create at once
 * @param accountRefill time to earn one more account creation per source address
 * @param failuresPerAddress failed logins for one account from one address before backoff starts
 * @param failuresPerAccount failed logins for one account from all addresses before backoff starts
 *     (higher than {@code failuresPerAddress}: see {@link LoginGuard})
 * @param firstBackoff lock window after the first failure over a threshold; doubles with each further failure
 * @param maxBackoff longest lock window
 * @param failureMemory how long failures are remembered after the last one
 * @param connectionsPerAddress open connections per source address
 * @param idleTimeout a connection that sends nothing for this long is closed
 * @param trackedSources most addresses, accounts and (account, address) pairs remembered, each
 * @param probes reachability probes of serve offers ({@link ReachabilityProbe})
 */
public record LoginLimits(int hashBurst, double hashesPerSecond, int accountsBurst, Duration accountRefill,
        int failuresPerAddress, int failuresPerAccount, Duration firstBackoff, Duration maxBackoff,
        Duration failureMemory, int connectionsPerAddress, Duration idleTimeout, int trackedSources, ProbeLimits probes) {
    /**
     * Rates of the reachability probes that serve offers trigger (docs/security.md "Promoted
     * clients"): a probe is one TCP handshake and one small datagram to the offering address, so
     * these bound what the login server can be made to send. Always on: only positive values.
     *
     * @param perAddressBurst probes of one source address at once
     * @param perAddressPeriod time to earn one more probe per source address
     * @param burst probes at once in all
     * @param perSecond sustained probes per second in all
     */
    public record ProbeLimits(int perAddressBurst, Duration perAddressPeriod, int burst, double perSecond) {
        /** Production: 3 per address then one every 20 s; 20 at once then 5/s in all. */
        public static final ProbeLimits DEFAULTS = new ProbeLimits(3, Duration.ofSeconds(20), 20, 5);

        /** @throws IllegalArgumentException unless every limit is positive */
        public ProbeLimits {
            // Checked here, not with LoginLimits' helpers: calling those would initialize LoginLimits
            // from inside this class's initialization, whose DEFAULTS would then still be null.
            if (perAddressBurst < 1 || burst < 1) {
                throw new IllegalArgumentException(String.format(
                        "probes.perAddressBurst, probes.burst: %d, %d (expected: >= 1 each)", perAddressBurst, burst));
            }
            Objects.requireNonNull(perAddressPeriod, "probes.perAddressPeriod");
            if (perAddressPeriod.isNegative() || perAddressPeriod.isZero()) {
                throw new IllegalArgumentException("probes.perAddressPeriod: " + perAddressPeriod + " (expected: > 0)");
            }
            if (!(perSecond > 0)) {
                throw new IllegalArgumentException(String.format("probes.perSecond: %s (expected: > 0)", perSecond));
            }
        }
    }

    /**
     * Production defaults: 20 Argon2id requests at once then 2/s per address (a login server hashes
     * some 40/s on 2 cores, so one address gets at most a twentieth); 10 accounts then 1/min per
     * address; backoff after 5 failures per (account, address) or 100 per account, from 1 s doubling
     * to 15 min, forgotten after 1 h; 16 connections per address; 60 s idle timeout (super nodes
     * heartbeat every few seconds); 100,000 tracked sources each; {@link ProbeLimits#DEFAULTS}.
     */
    public static final LoginLimits DEFAULTS = new LoginLimits(20, 2, 10, Duration.ofMinutes(1), 5, 100,
            Duration.ofSeconds(1), Duration.ofMinutes(15), Duration.ofHours(1), 16, Duration.ofSeconds(60), 100_000,
            ProbeLimits.DEFAULTS);

    /** @throws IllegalArgumentException unless every limit is positive and {@code failuresPerAccount >= failuresPerAddress} */
    public LoginLimits {
        positive("hashBurst", hashBurst);
        if (!(hashesPerSecond > 0)) {
            throw new IllegalArgumentException(String.format("hashesPerSecond: %s (expected: > 0)", hashesPerSecond));
        }
        positive("accountsBurst", accountsBurst);
        positive("accountRefill", accountRefill);
        positive("failuresPerAddress", failuresPerAddress);
        if (failuresPerAccount < failuresPerAddress) {
            throw new IllegalArgumentException(String.format("failuresPerAccount: %d (expected: >= failuresPerAddress = %d)",
                    failuresPerAccount, failuresPerAddress));
        }
        positive("firstBackoff", firstBackoff);
        positive("maxBackoff", maxBackoff);
        positive("failureMemory", failureMemory);
        positive("connectionsPerAddress", connectionsPerAddress);
        positive("idleTimeout", idleTimeout);
        positive("trackedSources", trackedSources);
        Objects.requireNonNull(probes, "probes");
    }

    /** @return a copy with other per-address request limits (load tests and bot fleets on one host) */
    public LoginLimits withPerAddress(int hashBurst, double hashesPerSecond, int accountsBurst, int connections) {
        return new LoginLimits(hashBurst, hashesPerSecond, accountsBurst, accountRefill, failuresPerAddress,
                failuresPerAccount, firstBackoff, maxBackoff, failureMemory, connections, idleTimeout, trackedSources, probes);
    }

    /** @return a copy with another idle timeout */
    public LoginLimits withIdleTimeout(Duration timeout) {
        return new LoginLimits(hashBurst, hashesPerSecond, accountsBurst, accountRefill, failuresPerAddress,
                failuresPerAccount, firstBackoff, maxBackoff, failureMemory, connectionsPerAddress, timeout, trackedSources, probes);
    }

    /** @return a copy with other reachability-probe rates (bot fleets offering to serve from one host) */
    public LoginLimits withProbes(ProbeLimits limits) {
        return new LoginLimits(hashBurst, hashesPerSecond, accountsBurst, accountRefill, failuresPerAddress,
                failuresPerAccount, firstBackoff, maxBackoff, failureMemory, connectionsPerAddress, idleTimeout,
                trackedSources, limits);
    }

    private static void positive(String name, int value) {
        if (value < 1) {
            throw new IllegalArgumentException(String.format("%s: %d (expected: >= 1)", name, value));
        }
    }

    private static void positive(String name, Duration d) {
        Objects.requireNonNull(d, name);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + ": " + d + " (expected: > 0)");
        }
    }
}
