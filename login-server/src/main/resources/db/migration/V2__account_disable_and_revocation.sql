-- Account disable and credential revocation (credential renewal, docs/security.md).
-- Portable SQL: runs unchanged on SQLite and PostgreSQL (one column per ALTER, 0/1 for booleans).

-- 1 while the account may neither log in nor renew its credential.
ALTER TABLE accounts ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0;
-- Credentials issued before this time (epoch ms) are not renewed: set on a password change.
ALTER TABLE accounts ADD COLUMN credentials_not_before_ms BIGINT NOT NULL DEFAULT 0;
