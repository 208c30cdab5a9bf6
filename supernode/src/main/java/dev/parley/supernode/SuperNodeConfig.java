package dev.parley.supernode;

import dev.parley.nat.relay.RelayAllocationTable;
import dev.parley.protocol.HostPort;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Settings of a {@link SuperNode}.
 *
 * @param listen TCP address to bind; port 0 picks a free port
 * @param advertise address other hosts use to reach this super node (sent to the login server,
 *     clients and peers); without one, the listen host with the bound port
 * @param login the login server's control address
 * @param dataDir directory for the super node's persistent state: its node key and certificate
 *     ({@link NodeIdentity}) and the pinned login server key
 * @param clock time source for credential validity, presence timestamps and the search cache
 * @param heartbeatInterval period of {@code SuperNodeHeartbeat}s to the login server (positive)
 * @param peerRequestTimeout how long a peer super node may take to connect and answer one TCP
 *     request ({@code RoutedSignal}) (positive)
 * @param search expanding search, caches and rate limit
 * @param mesh peer table, liveness and gossip
 * @param loginKey the login server key's fingerprint to pin before the first connection (null: trust
 *     on first use, kept in {@code dataDir}; docs/security.md)
 * @param limits connection caps, idle timeout and call-signal limits of the control port
 * @param enrollToken the operator's one-time enrolment token ({@code parley login-server enroll}),
 *     used on the first start when the data dir holds no certificate yet; null once enrolled
 * @param fallbackLogins further login servers sharing {@code login}'s database and key, tried in
 *     order when the current one fails (docs/operations.md "Scale-out"); empty for one login server
 * @param relayLimits the media relay's quotas, rates and share of the upload (a promoted client's
 *     serve caps; {@link RelayAllocationTable.Limits#DEFAULTS} on a dedicated super node)
 */
public record SuperNodeConfig(HostPort listen, @Nullable HostPort advertise, HostPort login, Path dataDir,
        InstantSource clock, Duration heartbeatInterval, Duration peerRequestTimeout, SearchSettings search,
        MeshSettings mesh, @Nullable String loginKey, ControlLimits limits, @Nullable String enrollToken,
        List<HostPort> fallbackLogins, RelayAllocationTable.Limits relayLimits) {
    /** Default {@link #heartbeatInterval()}: 5 s. */
    public static final Duration DEFAULT_HEARTBEAT_INTERVAL = Duration.ofSeconds(5);
    /** Default {@link #peerRequestTimeout()}: 2 s. */
    public static final Duration DEFAULT_PEER_REQUEST_TIMEOUT = Duration.ofSeconds(2);

    /** @throws IllegalArgumentException if a required value is missing or a duration is not positive */
    public SuperNodeConfig {
        require(listen, "listen");
        require(login, "login");
        require(dataDir, "dataDir");
        require(clock, "clock");
        requirePositive(heartbeatInterval, "heartbeatInterval");
        requirePositive(peerRequestTimeout, "peerRequestTimeout");
        require(search, "search");
        require(mesh, "mesh");
        require(limits, "limits");
        require(relayLimits, "relayLimits");
        fallbackLogins = List.copyOf(fallbackLogins == null ? List.of() : fallbackLogins);
    }

    /** All parts but the relay limits (defaults). */
    public SuperNodeConfig(HostPort listen, @Nullable HostPort advertise, HostPort login, Path dataDir,
            InstantSource clock, Duration heartbeatInterval, Duration peerRequestTimeout, SearchSettings search,
            MeshSettings mesh, @Nullable String loginKey, ControlLimits limits, @Nullable String enrollToken,
            List<HostPort> fallbackLogins) {
        this(listen, advertise, login, dataDir, clock, heartbeatInterval, peerRequestTimeout, search, mesh, loginKey,
                limits, enrollToken, fallbackLogins, RelayAllocationTable.Limits.DEFAULTS);
    }

    /** All parts but the fallback login servers (none). */
    public SuperNodeConfig(HostPort listen, @Nullable HostPort advertise, HostPort login, Path dataDir,
            InstantSource clock, Duration heartbeatInterval, Duration peerRequestTimeout, SearchSettings search,
            MeshSettings mesh, @Nullable String loginKey, ControlLimits limits, @Nullable String enrollToken) {
        this(listen, advertise, login, dataDir, clock, heartbeatInterval, peerRequestTimeout, search, mesh, loginKey,
                limits, enrollToken, List.of());
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
    public SuperNodeConfig withLogins(List<HostPort> logins) {
        if (logins.isEmpty()) {
            throw new IllegalArgumentException("logins: none (expected: at least one login server)");
        }
        return new SuperNodeConfig(listen, advertise, logins.getFirst(), dataDir, clock, heartbeatInterval,
                peerRequestTimeout, search, mesh, loginKey, limits, enrollToken, logins.subList(1, logins.size()), relayLimits);
    }

    /** All parts but the control limits (defaults). */
    public SuperNodeConfig(HostPort listen, @Nullable HostPort advertise, HostPort login, Path dataDir, InstantSource clock,
            Duration heartbeatInterval, Duration peerRequestTimeout, SearchSettings search, MeshSettings mesh,
            @Nullable String loginKey) {
        this(listen, advertise, login, dataDir, clock, heartbeatInterval, peerRequestTimeout, search, mesh, loginKey,
                ControlLimits.DEFAULTS, null);
    }

    /** All parts but the login key's fingerprint (trust on first use). */
    public SuperNodeConfig(HostPort listen, @Nullable HostPort advertise, HostPort login, Path dataDir, InstantSource clock,
            Duration heartbeatInterval, Duration peerRequestTimeout, SearchSettings search, MeshSettings mesh) {
        this(listen, advertise, login, dataDir, clock, heartbeatInterval, peerRequestTimeout, search, mesh, null);
    }

    /** @return a copy that pins the login server key with this fingerprint (null: trust on first use) */
    public SuperNodeConfig withLoginKey(@Nullable String fingerprint) {
        return new SuperNodeConfig(listen, advertise, login, dataDir, clock, heartbeatInterval, peerRequestTimeout,
                search, mesh, fingerprint, limits, enrollToken, fallbackLogins, relayLimits);
    }

    /** A configuration with default {@link SearchSettings} and {@link MeshSettings}. */
    public SuperNodeConfig(HostPort listen, @Nullable HostPort advertise, HostPort login, Path dataDir,
            InstantSource clock, Duration heartbeatInterval, Duration peerRequestTimeout) {
        this(listen, advertise, login, dataDir, clock, heartbeatInterval, peerRequestTimeout,
                SearchSettings.DEFAULTS, MeshSettings.DEFAULTS);
    }

    /**
     * @return a configuration with no explicit advertised address, the system clock, a 5 s
     *     heartbeat interval and a 2 s peer request timeout
     */
    public static SuperNodeConfig defaults(HostPort listen, HostPort login, Path dataDir) {
        return new SuperNodeConfig(listen, null, login, dataDir, InstantSource.system(),
                DEFAULT_HEARTBEAT_INTERVAL, DEFAULT_PEER_REQUEST_TIMEOUT);
    }

    /** @return a copy with another advertised address */
    public SuperNodeConfig withAdvertise(HostPort address) {
        return new SuperNodeConfig(listen, address, login, dataDir, clock, heartbeatInterval, peerRequestTimeout,
                search, mesh, loginKey, limits, enrollToken, fallbackLogins, relayLimits);
    }

    /** @return a copy with another clock */
    public SuperNodeConfig withClock(InstantSource source) {
        return new SuperNodeConfig(listen, advertise, login, dataDir, source, heartbeatInterval, peerRequestTimeout,
                search, mesh, loginKey, limits, enrollToken, fallbackLogins, relayLimits);
    }

    /** @return a copy with other timings */
    public SuperNodeConfig withTimings(Duration heartbeat, Duration peerRequest) {
        return new SuperNodeConfig(listen, advertise, login, dataDir, clock, heartbeat, peerRequest, search, mesh, loginKey, limits, enrollToken, fallbackLogins, relayLimits);
    }

    /** @return a copy with other search settings */
    public SuperNodeConfig withSearch(SearchSettings settings) {
        return new SuperNodeConfig(listen, advertise, login, dataDir, clock, heartbeatInterval, peerRequestTimeout,
                settings, mesh, loginKey, limits, enrollToken, fallbackLogins, relayLimits);
    }

    /** @return a copy with other mesh settings */
    public SuperNodeConfig withMesh(MeshSettings settings) {
        return new SuperNodeConfig(listen, advertise, login, dataDir, clock, heartbeatInterval, peerRequestTimeout,
                search, settings, loginKey, limits, enrollToken, fallbackLogins, relayLimits);
    }

    /** @return a copy with other control-port limits */
    public SuperNodeConfig withLimits(ControlLimits controlLimits) {
        return new SuperNodeConfig(listen, advertise, login, dataDir, clock, heartbeatInterval, peerRequestTimeout,
                search, mesh, loginKey, controlLimits, enrollToken, fallbackLogins, relayLimits);
    }

    /** @return a copy with other media relay limits (a promoted client's serve caps) */
    public SuperNodeConfig withRelayLimits(RelayAllocationTable.Limits relay) {
        return new SuperNodeConfig(listen, advertise, login, dataDir, clock, heartbeatInterval, peerRequestTimeout,
                search, mesh, loginKey, limits, enrollToken, fallbackLogins, relay);
    }

    /** @return a copy that enrols with this one-time token if the data dir holds no certificate yet */
    public SuperNodeConfig withEnrollToken(@Nullable String token) {
        return new SuperNodeConfig(listen, advertise, login, dataDir, clock, heartbeatInterval, peerRequestTimeout,
                search, mesh, loginKey, limits, token, fallbackLogins, relayLimits);
    }

    static void require(@Nullable Object value, String name) {
        if (value == null) {
            throw new IllegalArgumentException(name + ": missing");
        }
    }

    static void requirePositive(@Nullable Duration d, String name) {
        require(d, name);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(String.format("%s: %d ms (expected: > 0)", name, d.toMillis()));
        }
    }
}
