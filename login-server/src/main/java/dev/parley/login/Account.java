package dev.parley.login;

import java.time.Instant;

/**
 * One row of the account store.
 *
 * @param username canonical (lower-case) username, see {@link dev.parley.protocol.Usernames}
 * @param displayName the username as typed at creation
 * @param passwordHash Argon2id hash with its salt and parameters
 * @param createdAt creation time (millisecond precision once stored)
 */
public record Account(String username, String displayName, PasswordHash passwordHash, Instant createdAt) {}
