-- Contacts, message history and the outbox of a Parley client (docs/architecture.md "Contacts,
-- presence and messages"). One database per data dir: chat.db.
CREATE TABLE contacts (
    username      TEXT PRIMARY KEY,   -- canonical
    state         TEXT NOT NULL,      -- ContactState
    request_text  TEXT NOT NULL DEFAULT '',
    credential    BLOB,               -- the contact's last verified credential (protobuf): its keys
    updated_at_ms INTEGER NOT NULL
);

CREATE TABLE messages (
    message_id  TEXT PRIMARY KEY,     -- 32 hex digits
    peer        TEXT NOT NULL,
    outgoing    INTEGER NOT NULL,     -- 1: sent by this user
    seq         INTEGER NOT NULL,     -- the sender's sequence number in this conversation
    body        TEXT NOT NULL,
    sent_at_ms  INTEGER NOT NULL,
    status      TEXT NOT NULL,        -- MessageStatus
    arrival     INTEGER NOT NULL      -- local order of arrival (or of sending)
);
CREATE INDEX messages_by_peer ON messages (peer, arrival);

-- Sealed packets not yet acknowledged; resent with the same message id until they are.
CREATE TABLE outbox (
    message_id  TEXT PRIMARY KEY,
    peer        TEXT NOT NULL,
    packet      BLOB NOT NULL,        -- the ChatPacket as sent
    until_receipt INTEGER NOT NULL,   -- 1: keep until the recipient's delivery receipt
    next_try_ms INTEGER NOT NULL,
    tries       INTEGER NOT NULL DEFAULT 0
);

-- Message ids of packets already received (duplicates are discarded), pruned after 32 days.
CREATE TABLE seen (
    message_id  TEXT PRIMARY KEY,
    at_ms       INTEGER NOT NULL
);

CREATE TABLE settings (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
