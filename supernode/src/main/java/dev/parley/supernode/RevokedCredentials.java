package dev.parley.supernode;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.parley.protocol.ProtocolException;
import dev.parley.protocol.wire.Credential;
import dev.parley.protocol.wire.ErrorCode;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;

/**
 * Users whose credentials issued before some time the login server revoked ({@code DropUser}: the
 * account was disabled or its password reset), so a dropped client cannot register again with the
 * credential it still holds. Credentials live an hour by default and at most a day, so an entry is
 * kept for {@link #RETENTION}; at most {@value #MAX_ENTRIES} entries (the least recently written
 * go first). Thread-safe.
 */
final class RevokedCredentials {
    /** How long a revocation is remembered: longer than any credential lives. */
    static final Duration RETENTION = Duration.ofHours(24);
    static final int MAX_ENTRIES = 10_000;

    private final Cache<String, Long> revokedBeforeMs;

    RevokedCredentials(InstantSource clock) {
        this.revokedBeforeMs = Caffeine.newBuilder().maximumSize(MAX_ENTRIES).expireAfterWrite(RETENTION)
                .ticker(() -> {
                    Instant now = clock.instant();
                    return now.getEpochSecond() * 1_000_000_000L + now.getNano();
                }).build();
    }

    /** Revokes {@code username}'s credentials issued before {@code beforeMs} (a later revocation wins). */
    void revoke(String username, long beforeMs) {
        revokedBeforeMs.asMap().merge(username, beforeMs, Math::max);
    }

    /**
     * @param credential a credential that verified
     * @throws ProtocolException ACCOUNT_DISABLED if the login server revoked it
     */
    void check(Credential credential) throws ProtocolException {
        Long before = revokedBeforeMs.getIfPresent(credential.getUsername());
        if (before != null && credential.getIssuedAtMs() < before) {
            throw new ProtocolException(ErrorCode.ACCOUNT_DISABLED, "credential of '" + credential.getUsername()
                    + "' revoked by the login server (account disabled or password reset); log in again");
        }
    }
}
