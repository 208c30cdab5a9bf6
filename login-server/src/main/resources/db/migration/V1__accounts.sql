-- Accounts of the login server. Portable SQL: runs unchanged on SQLite and PostgreSQL,
-- hence hex text for binary values and epoch milliseconds for timestamps.
CREATE TABLE accounts (
    -- Canonical (lower-case) username; the primary key makes names unique case-insensitively.
    username           VARCHAR(32)  NOT NULL,
    -- The username as typed when the account was created.
    display_name       VARCHAR(32)  NOT NULL,
    -- Argon2id output, hex.
    password_hash      VARCHAR(128) NOT NULL,
    -- Per-user random salt (16 bytes), hex.
    salt               VARCHAR(64)  NOT NULL,
    -- Argon2 parameters the hash was made with, so that old hashes verify after a cost change.
    argon2_memory_kib  INTEGER      NOT NULL,
    argon2_iterations  INTEGER      NOT NULL,
    argon2_parallelism INTEGER      NOT NULL,
    argon2_version     INTEGER      NOT NULL,
    created_at_ms      BIGINT       NOT NULL,
    CONSTRAINT accounts_pk PRIMARY KEY (username)
);
