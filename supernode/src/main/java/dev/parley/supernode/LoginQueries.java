package dev.parley.supernode;

import dev.parley.nat.relay.MediaRelay;
import dev.parley.protocol.Usernames;
import dev.parley.protocol.ProtocolException;
import dev.parley.protocol.wire.AdminDone;
import dev.parley.protocol.wire.OnlineList;
import dev.parley.protocol.wire.SuperNodeHeartbeat;
import dev.parley.protocol.wire.SuperNodeQuery;
import dev.parley.protocol.wire.SuperNodeQueryResult;
import java.util.function.IntSupplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The super node's side of administration over its login link (docs/protocol.md "Administration"):
 * the load it reports in heartbeats, and answers to the login server's {@code SuperNodeQuery}s (who
 * is online here, drop a user's session). Queries arrive only on the TLS connection to the pinned
 * login server, which is what authenticates them.
 *
 * <p>Thread-safe: the presence index is concurrent; the relay count is refreshed asynchronously.
 */
final class LoginQueries {
    private static final Logger log = LoggerFactory.getLogger(LoginQueries.class);
    /** Most usernames one online listing returns. */
    static final int MAX_ONLINE = 1000;

    private final PresenceIndex presence;
    private final RevokedCredentials revoked;
    private final IntSupplier livePeers;
    private final @Nullable MediaRelay relay;
    private volatile int relayAllocations;

    LoginQueries(PresenceIndex presence, RevokedCredentials revoked, IntSupplier livePeers, @Nullable MediaRelay relay) {
        this.presence = presence;
        this.revoked = revoked;
        this.livePeers = livePeers;
        this.relay = relay;
    }

    /** @return {@code beat} with this super node's load (the relay count as of the previous heartbeat) */
    SuperNodeHeartbeat.Builder load(SuperNodeHeartbeat.Builder beat) {
        if (relay != null) {
            relay.size().thenAccept(n -> relayAllocations = n);
        }
        return beat.setRegisteredClients(presence.size()).setLivePeers(livePeers.getAsInt())
                .setRelayAllocations(relayAllocations);
    }

    /** @return the answer to {@code query}, with its id; an unknown query gets an empty answer */
    SuperNodeQueryResult answer(SuperNodeQuery query) {
        SuperNodeQueryResult.Builder result = SuperNodeQueryResult.newBuilder().setQueryId(query.getQueryId());
        switch (query.getQueryCase()) {
            case LIST_ONLINE -> {
                int asked = query.getListOnline().getLimit();
                int limit = asked <= 0 || asked > MAX_ONLINE ? MAX_ONLINE : asked;
                OnlineList.Builder online = OnlineList.newBuilder().setTotal(presence.size());
                presence.usernames().stream().limit(limit).forEach(online::addUsernames);
                result.setOnline(online);
            }
            case DROP_USER -> result.setDropped(AdminDone.newBuilder()
                    .setSessionsDropped(drop(query.getDropUser().getUsername(), query.getDropUser().getRevokedBeforeMs())));
            default -> log.debug("unknown super-node query {} ignored", query.getQueryCase());
        }
        return result.build();
    }

    /** @return the number of sessions (devices) of {@code username} dropped */
    private int drop(String username, long revokedBeforeMs) {
        String canonical;
        try {
            canonical = Usernames.canonical(username);
        } catch (ProtocolException e) {
            return 0;
        }
        revoked.revoke(canonical, revokedBeforeMs);
        int removed = 0;
        for (Session session : presence.devices(canonical)) {
            if (session.record().getCredential().getIssuedAtMs() >= revokedBeforeMs) {
                continue; // logged in since (re-enabled account, new password)
            }
            removed += presence.remove(session) ? 1 : 0;
            session.channel().close();
            log.info("session of '{}' at {} dropped at the login server's request (credential revoked)", canonical,
                    session.channel().remoteAddress());
        }
        return removed;
    }
}
