package dev.parley.supernode;

import dev.parley.protocol.Credentials;
import dev.parley.protocol.Envelopes;
import dev.parley.protocol.wire.Credential;
import dev.parley.protocol.wire.ErrorCode;
import io.netty.channel.ChannelFutureListener;
import java.time.Instant;
import java.time.InstantSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ends sessions whose credential has expired (past {@code expires_at} plus {@link Credentials#CLOCK_SKEW}):
 * a client that could not renew (account disabled, password changed, login server gone) stays
 * registered only as long as its last credential lasts. Run periodically ({@link #PERIOD_MS}); a
 * client that renews re-registers on the same connection ({@code ClientSessionHandler}) before.
 *
 * <p>Stateless: reads the presence index from any thread and closes each expired session on its own
 * channel's event loop, after checking there that a re-registration did not replace it meanwhile.
 */
final class CredentialExpiry {
    private static final Logger log = LoggerFactory.getLogger(CredentialExpiry.class);
    /** How often sessions are checked, in milliseconds. */
    static final long PERIOD_MS = 1000;

    private CredentialExpiry() {}

    /** Closes every session of {@code presence} whose credential has expired at {@code clock}'s time. */
    static void sweep(PresenceIndex presence, InstantSource clock) {
        long now = clock.millis();
        for (Session session : presence.sessions()) {
            if (expired(session, now)) {
                session.channel().eventLoop().execute(() -> end(presence, session));
            }
        }
    }

    private static boolean expired(Session session, long nowMs) {
        return nowMs > session.record().getCredential().getExpiresAtMs() + Credentials.CLOCK_SKEW.toMillis();
    }

    private static void end(PresenceIndex presence, Session session) {
        if (!presence.contains(session) || !session.channel().isActive()) {
            return; // renewed on this loop meanwhile, or already gone
        }
        Credential credential = session.record().getCredential();
        log.info("{}: credential expired at {}; ending the session", session.username(),
                Instant.ofEpochMilli(credential.getExpiresAtMs()));
        session.push(Envelopes.error(0, ErrorCode.EXPIRED_CREDENTIAL, "credential expired at "
                + Instant.ofEpochMilli(credential.getExpiresAtMs()) + "; log in again"))
                .addListener(ChannelFutureListener.CLOSE);
    }
}
