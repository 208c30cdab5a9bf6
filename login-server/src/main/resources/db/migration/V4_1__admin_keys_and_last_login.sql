-- Administration (docs/security.md "Administrators"). Versioned 4.1 so that a parallel V4 merges
-- without a clash. Portable SQL: runs unchanged on SQLite and PostgreSQL (hex text, epoch ms).

-- Admin keys authorized by `parley login-server authorize-admin` on the server's host.
CREATE TABLE admin_keys (
    -- Raw 32-byte Ed25519 public key, hex.
    public_key     VARCHAR(64)  NOT NULL,
    -- KeyVerifier.fingerprint(public key), as operators name it.
    fingerprint    VARCHAR(40)  NOT NULL,
    added_at_ms    BIGINT       NOT NULL,
    CONSTRAINT admin_keys_pk PRIMARY KEY (public_key)
);

-- The time of the account's last password login (epoch ms); 0 while none was recorded.
ALTER TABLE accounts ADD COLUMN last_login_ms BIGINT NOT NULL DEFAULT 0;
