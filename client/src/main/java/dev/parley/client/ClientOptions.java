package dev.parley.client;

import dev.parley.client.call.CallListener;
import dev.parley.client.call.IncomingCallPolicy;
import dev.parley.codec.sim.ImpairmentSpec;
import dev.parley.protocol.HostPort;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;
import org.jspecify.annotations.Nullable;

/**
 * What a {@link ParleyClient} is started with.
 *
 * @param login the login server
 * @param username the user's name
 * @param password the user's password
 * @param dataDir where key, credential and host cache live
 * @param createAccount create the account if it does not exist
 * @param superNode pin this super node (without one: use the host cache)
 * @param bitrateKbps Opus bitrate to send, 32..64
 * @param jitterBufferMs 0 for the adaptive jitter buffer, else a fixed jitter-buffer delay of 20..1000 ms
 * @param ringTimeout how long an unanswered call rings
 * @param policy what to do with incoming calls
 * @param listener call progress observer
 * @param clock time source
 * @param random source of call ids, SSRCs and ICE credentials: a {@code SecureRandom}
 *     in production (they are secrets: a call id or ICE password that can be predicted can be hijacked);
 *     tests may pass a seeded generator
 * @param impairment test impairment of the media this client receives ({@code ImpairmentSpec.NONE} normally)
 * @param relayOnly offer and check only relayed candidates (tests and relay measurements; docs/nat.md)
 * @param loginKey the login server key's fingerprint to pin before the first login (null: trust
 *     on first use; docs/security.md)
 * @param fallbackLogins further login servers sharing {@code login}'s database and key, tried in
 *     order when one is unreachable, for the login and every credential renewal (docs/operations.md
 *     "Scale-out"); empty for one login server
 * @param bootstrapWait how long to wait for the overlay's first super node when the login server knows
 *     none yet (a new self-organizing overlay, docs/architecture.md); {@link #DEFAULT_BOOTSTRAP_WAIT} unless set
 */
public record ClientOptions(HostPort login, String username, String password, Path dataDir, boolean createAccount,
        @Nullable HostPort superNode, int bitrateKbps, int jitterBufferMs, Duration ringTimeout, IncomingCallPolicy policy,
        CallListener listener, InstantSource clock, RandomGenerator random,
        ImpairmentSpec impairment, boolean relayOnly, @Nullable String loginKey, List<HostPort> fallbackLogins,
        Duration bootstrapWait) {
    /** The default {@link #bootstrapWait()}: long enough for the first clients of a new overlay to be promoted. */
    public static final Duration DEFAULT_BOOTSTRAP_WAIT = Duration.ofSeconds(30);

    /** All parts but the bootstrap wait ({@link #DEFAULT_BOOTSTRAP_WAIT}). */
    public ClientOptions(HostPort login, String username, String password, Path dataDir, boolean createAccount,
            @Nullable HostPort superNode, int bitrateKbps, int jitterBufferMs, Duration ringTimeout, IncomingCallPolicy policy,
            CallListener listener, InstantSource clock, RandomGenerator random,
            ImpairmentSpec impairment, boolean relayOnly, @Nullable String loginKey, List<HostPort> fallbackLogins) {
        this(login, username, password, dataDir, createAccount, superNode, bitrateKbps, jitterBufferMs, ringTimeout,
                policy, listener, clock, random, impairment, relayOnly, loginKey, fallbackLogins, DEFAULT_BOOTSTRAP_WAIT);
    }

    /** All parts but the fallback login servers (none). */
    public ClientOptions(HostPort login, String username, String password, Path dataDir, boolean createAccount,
            @Nullable HostPort superNode, int bitrateKbps, int jitterBufferMs, Duration ringTimeout, IncomingCallPolicy policy,
            CallListener listener, InstantSource clock, RandomGenerator random,
            ImpairmentSpec impairment, boolean relayOnly, @Nullable String loginKey) {
        this(login, username, password, dataDir, createAccount, superNode, bitrateKbps, jitterBufferMs, ringTimeout,
                policy, listener, clock, random, impairment, relayOnly, loginKey, List.of());
    }

    /** @return the login servers in the order they are tried: {@link #login()}, then {@link #fallbackLogins()} */
    public List<HostPort> logins() {
        List<HostPort> all = new ArrayList<>(1 + fallbackLogins.size());
        all.add(login);
        all.addAll(fallbackLogins);
        return List.copyOf(all);
    }

    /**
     * @param logins login servers sharing one database and key, tried in this order (at least one)
     * @return a copy that uses them
     */
    public ClientOptions withLogins(List<HostPort> logins) {
        if (logins.isEmpty()) {
            throw new IllegalArgumentException("logins: none (expected: at least one login server)");
        }
        return new ClientOptions(logins.getFirst(), username, password, dataDir, createAccount, superNode, bitrateKbps,
                jitterBufferMs, ringTimeout, policy, listener, clock, random, impairment, relayOnly, loginKey,
                logins.subList(1, logins.size()), bootstrapWait);
    }

    /** Every candidate type allowed. */
    public ClientOptions(HostPort login, String username, String password, Path dataDir, boolean createAccount,
            @Nullable HostPort superNode, int bitrateKbps, int jitterBufferMs, Duration ringTimeout, IncomingCallPolicy policy,
            CallListener listener, InstantSource clock, RandomGenerator random,
            ImpairmentSpec impairment) {
        this(login, username, password, dataDir, createAccount, superNode, bitrateKbps, jitterBufferMs, ringTimeout,
                policy, listener, clock, random, impairment, false, null);
    }

    /** @return a copy that offers and checks only relayed candidates */
    public ClientOptions withRelayOnly(boolean on) {
        return new ClientOptions(login, username, password, dataDir, createAccount, superNode, bitrateKbps, jitterBufferMs,
                ringTimeout, policy, listener, clock, random, impairment, on, loginKey, fallbackLogins, bootstrapWait);
    }

    /** @return a copy that pins the login server key with this fingerprint (null: trust on first use) */
    public ClientOptions withLoginKey(@Nullable String fingerprint) {
        return new ClientOptions(login, username, password, dataDir, createAccount, superNode, bitrateKbps, jitterBufferMs,
                ringTimeout, policy, listener, clock, random, impairment, relayOnly, fingerprint, fallbackLogins, bootstrapWait);
    }

    /**
     * @param wait how long to wait for the overlay's first super node (positive)
     * @return a copy that waits that long
     */
    public ClientOptions withBootstrapWait(Duration wait) {
        return new ClientOptions(login, username, password, dataDir, createAccount, superNode, bitrateKbps, jitterBufferMs,
                ringTimeout, policy, listener, clock, random, impairment, relayOnly, loginKey, fallbackLogins, wait);
    }

    /** Without impairment. */
    public ClientOptions(HostPort login, String username, String password, Path dataDir, boolean createAccount,
            @Nullable HostPort superNode, int bitrateKbps, int jitterBufferMs, Duration ringTimeout, IncomingCallPolicy policy,
            CallListener listener, InstantSource clock, RandomGenerator random) {
        this(login, username, password, dataDir, createAccount, superNode, bitrateKbps, jitterBufferMs, ringTimeout,
                policy, listener, clock, random, ImpairmentSpec.NONE, false, null);
    }

    /** @throws IllegalArgumentException if the bitrate is outside 32..64 kbps or the bootstrap wait is not positive */
    public ClientOptions {
        impairment = impairment == null ? ImpairmentSpec.NONE : impairment;
        fallbackLogins = List.copyOf(fallbackLogins == null ? List.of() : fallbackLogins);
        if (bootstrapWait.isNegative() || bootstrapWait.isZero()) {
            throw new IllegalArgumentException(String.format("bootstrapWait: %d ms (expected: > 0)", bootstrapWait.toMillis()));
        }
        if (bitrateKbps < 32 || bitrateKbps > 64) {
            throw new IllegalArgumentException(String.format("bitrate: %d kbps (expected: 32..64)", bitrateKbps));
        }
    }
}
