-- Several devices per account (docs/protocol.md "Several devices"): every device of a contact (and
-- this user's own other devices) with its last verified credential, and an outbox entry per copy
-- (a packet to a user is sent once per device, each copy sealed to that device).
CREATE TABLE devices (
    username    TEXT NOT NULL,        -- canonical; this user's own name for its sibling devices
    device      TEXT NOT NULL,        -- hex of the device's Ed25519 key (its credential's public_key)
    credential  BLOB NOT NULL,        -- the device's newest verified credential (protobuf)
    seen_at_ms  INTEGER NOT NULL,     -- when it was last learned (the 8 most recent are used)
    PRIMARY KEY (username, device)
);

CREATE TABLE outbox_copies (
    message_id    TEXT NOT NULL,
    device        TEXT NOT NULL,      -- hex of the recipient device's key; '' for copies of version 1
    peer          TEXT NOT NULL,
    packet        BLOB NOT NULL,
    until_receipt INTEGER NOT NULL,
    next_try_ms   INTEGER NOT NULL,
    tries         INTEGER NOT NULL DEFAULT 0,
    accepted      INTEGER NOT NULL DEFAULT 0,  -- 1: a super node took it once (pushed or in a mailbox)
    PRIMARY KEY (message_id, device)
);
INSERT INTO outbox_copies (message_id, device, peer, packet, until_receipt, next_try_ms, tries)
    SELECT message_id, '', peer, packet, until_receipt, next_try_ms, tries FROM outbox ORDER BY rowid;
DROP TABLE outbox;
ALTER TABLE outbox_copies RENAME TO outbox;
