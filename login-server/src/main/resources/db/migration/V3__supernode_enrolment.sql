-- Super-node enrolment (docs/security.md "Certified super nodes").
-- Portable SQL: runs unchanged on SQLite and PostgreSQL (hex text for binary values, epoch ms).

-- One-time enrolment tokens printed by `parley login-server enroll`; only their hash is stored.
CREATE TABLE enrolment_tokens (
    -- SHA-256 of the token text, hex.
    token_hash     VARCHAR(64)  NOT NULL,
    created_at_ms  BIGINT       NOT NULL,
    expires_at_ms  BIGINT       NOT NULL,
    -- Set when a super node used the token (single use); 0 while unused.
    used_at_ms     BIGINT       NOT NULL DEFAULT 0,
    -- The node key (hex) that used it.
    used_by        VARCHAR(64)  NOT NULL DEFAULT '',
    CONSTRAINT enrolment_tokens_pk PRIMARY KEY (token_hash)
);

-- Enrolled super-node keys: only these get certificates renewed.
CREATE TABLE supernodes (
    -- Raw 32-byte Ed25519 node key, hex.
    node_key        VARCHAR(64)  NOT NULL,
    -- KeyVerifier.fingerprint(node key), as operators name it (revoke-supernode).
    fingerprint     VARCHAR(40)  NOT NULL,
    enrolled_at_ms  BIGINT       NOT NULL,
    -- 1 once revoked: no certificate is issued or renewed for the key any more.
    revoked         INTEGER      NOT NULL DEFAULT 0,
    -- The address and time of the last certificate issued.
    address         VARCHAR(300) NOT NULL DEFAULT '',
    certified_at_ms BIGINT       NOT NULL DEFAULT 0,
    CONSTRAINT supernodes_pk PRIMARY KEY (node_key)
);
CREATE INDEX supernodes_fingerprint ON supernodes (fingerprint);
