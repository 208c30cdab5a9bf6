-- Scale-out: several login servers on one database (docs/operations.md "Scale-out").
-- Portable SQL: runs unchanged on SQLite and PostgreSQL (hex text for binary values, epoch ms).

-- The live super nodes, as heard by any login server on this database (the source of truth; each
-- login server keeps a cache it merges with these rows every second: DirectorySync).
CREATE TABLE supernode_directory (
    -- The certified address, host:port.
    address      VARCHAR(300)  NOT NULL,
    -- The super node's certificate (wire SuperNodeCertificate), serialized, hex.
    certificate  VARCHAR(4000) NOT NULL,
    -- Time of the last heartbeat, epoch ms (live while younger than the TTL).
    heard_at_ms  BIGINT        NOT NULL,
    CONSTRAINT supernode_directory_pk PRIMARY KEY (address)
);
CREATE INDEX supernode_directory_heard ON supernode_directory (heard_at_ms);

-- The public key every credential and certificate of this database's login servers is signed with:
-- a login server with another signing key refuses to start (TrustRoot). Public: no secret here.
CREATE TABLE trust_root (
    -- Always 1: one trust root per database.
    id             INTEGER      NOT NULL,
    -- Raw 32-byte Ed25519 public key, hex.
    public_key     VARCHAR(64)  NOT NULL,
    created_at_ms  BIGINT       NOT NULL,
    CONSTRAINT trust_root_pk PRIMARY KEY (id)
);
