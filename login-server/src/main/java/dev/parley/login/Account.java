package dev.parley.login;

import java.time.Instant;

/**
 * One row of the account store.
 *
 * @param username canonical (lower-case) username, see {@link dev.parley.protocol.Usernames}
 * @param displayName the username as typed at creation
 * @param passwordHash Argon2id hash with its salt and parameters
 * @param createdAt creation time (millisecond precision once stored)
 * @param disabled the account may neither log in nor renew its credential
 * @param credentialsNotBeforeMs credentials issued before this time (epoch ms) are not renewed (set
 *     by a password change); 0 for none
 */
public record Account(String username, String displayName, PasswordHash passwordHash, Instant createdAt,
        boolean disabled, long credentialsNotBeforeMs) {
    /** A new, enabled account without revoked credentials. */
    public Account(String username, String displayName, PasswordHash passwordHash, Instant createdAt) {
        this(username, displayName, passwordHash, createdAt, false, 0);
    }
}
