package dev.parley.supernode;

import dev.parley.nat.relay.MediaRelay;
import dev.parley.protocol.HostPort;
import java.security.SecureRandom;
import java.time.InstantSource;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * What every connection handler of one super node shares: identity, time, randomness, the
 * presence index, the locator and the router. All members are thread-safe.
 *
 * @param advertised this super node's advertised address
 * @param clock time for credentials and presence timestamps
 * @param random source of {@code ServerHello} nonces
 * @param serverKey the login server's public key (none while unknown)
 * @param directory the current live peer super nodes (shared with clients for their host caches)
 * @param presence users registered here
 * @param locator search over peers
 * @param router call-signal relay
 * @param search search settings (per-client rate limit)
 * @param relay the media relay on the super node's UDP socket; none without one (tests)
 * @param limits per-session call-signal limits (and the control port's connection limits)
 * @param identity this super node's keys and certificate (sent in {@code ServerHello}; what
 *     registrations and peer hellos are signed for)
 * @param chat contacts, presence and messages: routing and mailboxes; none (tests) answers chat
 *     requests {@code BAD_REQUEST}
 * @param closing whether this super node is closing: its clients' connections then drop because
 *     of it, and the clients are rejoining elsewhere, not gone (no {@code PeerGone}, no "offline")
 */
record NodeContext(HostPort advertised, InstantSource clock, SecureRandom random, Supplier<byte @Nullable []> serverKey,
        Supplier<List<HostPort>> directory, PresenceIndex presence, UserLocator locator, SignalRouter router,
        SearchSettings search, @Nullable MediaRelay relay, ControlLimits limits, NodeIdentity identity,
        @Nullable ChatRelay chat, BooleanSupplier closing) {
    /** Without chat, never closing. */
    NodeContext(HostPort advertised, InstantSource clock, SecureRandom random, Supplier<byte @Nullable []> serverKey,
            Supplier<List<HostPort>> directory, PresenceIndex presence, UserLocator locator, SignalRouter router,
            SearchSettings search, @Nullable MediaRelay relay, ControlLimits limits, NodeIdentity identity) {
        this(advertised, clock, random, serverKey, directory, presence, locator, router, search, relay, limits, identity,
                null, () -> false);
    }

    /** Without a media relay, with default limits. */
    NodeContext(HostPort advertised, InstantSource clock, SecureRandom random, Supplier<byte @Nullable []> serverKey,
            Supplier<List<HostPort>> directory, PresenceIndex presence, UserLocator locator, SignalRouter router,
            SearchSettings search, NodeIdentity identity) {
        this(advertised, clock, random, serverKey, directory, presence, locator, router, search, null, ControlLimits.DEFAULTS,
                identity);
    }
}
