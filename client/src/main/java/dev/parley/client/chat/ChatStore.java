package dev.parley.client.chat;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.parley.protocol.AtomicFiles;
import dev.parley.protocol.wire.Credential;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.jspecify.annotations.Nullable;

/**
 * The client's chat database ({@code DATA_DIR/chat.db}, SQLite): contacts with their last verified
 * credential, message history, the outbox of unacknowledged packets and the ids of packets already
 * received, contacts' devices ({@link DeviceStore}). The schema is created and upgraded by Flyway from
 * {@code classpath:dev/parley/client/chat/db} (as the login server's account store is).
 *
 * <p>One connection, used by one thread (the chat thread of {@link ChatService}): JDBC never runs
 * on a network loop. Methods throw {@link SQLException} on database failures.
 */
public final class ChatStore implements AutoCloseable {
    /** The database file's name in the data dir. */
    public static final String FILE = "chat.db";

    /** A contact as stored. */
    record StoredContact(String username, ContactState state, String requestText, @Nullable Credential credential) {}

    private final Connection db;
    /** The outbox: one entry per copy (device) of an unacknowledged packet. */
    final OutboxStore outbox;
    /** Contacts' devices and this user's other devices. */
    final DeviceStore devices;

    private ChatStore(Connection db) {
        this.db = db;
        this.outbox = new OutboxStore(db);
        this.devices = new DeviceStore(db);
    }

    /**
     * Opens (creating or migrating) the database; the file is owner-only ({@code rw-------}).
     *
     * @throws SQLException if it cannot be opened or migrated
     */
    public static ChatStore open(Path file) throws SQLException {
        try {
            // Private messages: owner-only, as accounts.db (SQLite gives its journal files the same permissions).
            if (!Files.exists(file)) {
                Files.createFile(file);
            }
            AtomicFiles.restrictToOwner(file);
        } catch (IOException e) {
            throw new SQLException("cannot create chat database " + file + ": " + e.getMessage(), e);
        }
        String url = "jdbc:sqlite:" + file.toAbsolutePath();
        try {
            Flyway.configure().dataSource(url, null, null).locations("classpath:dev/parley/client/chat/db").load().migrate();
        } catch (FlywayException e) {
            throw new SQLException("cannot migrate chat database " + file + ": " + e.getMessage(), e);
        }
        Connection c = DriverManager.getConnection(url);
        try (var st = c.createStatement()) {
            st.execute("PRAGMA journal_mode=WAL");
            st.execute("PRAGMA synchronous=FULL"); // an acknowledged send or receipt survives a crash
        }
        ChatStore store = new ChatStore(c);
        store.devices.migrateContacts(); // version 1 kept one credential per contact: it becomes that contact's first device
        return store;
    }

    Optional<StoredContact> contact(String username) throws SQLException {
        try (PreparedStatement st = db.prepareStatement(
                "SELECT username, state, request_text, credential FROM contacts WHERE username = ?")) {
            st.setString(1, username);
            try (ResultSet rs = st.executeQuery()) {
                return rs.next() ? Optional.of(contact(rs)) : Optional.empty();
            }
        }
    }

    List<StoredContact> contacts() throws SQLException {
        List<StoredContact> out = new ArrayList<>();
        try (PreparedStatement st = db.prepareStatement(
                "SELECT username, state, request_text, credential FROM contacts ORDER BY username");
             ResultSet rs = st.executeQuery()) {
            while (rs.next()) {
                out.add(contact(rs));
            }
        }
        return out;
    }

    private static StoredContact contact(ResultSet rs) throws SQLException {
        byte[] c = rs.getBytes(4);
        Credential credential = null;
        if (c != null) {
            try {
                credential = Credential.parseFrom(c);
            } catch (InvalidProtocolBufferException e) {
                credential = null; // learned again on the next packet
            }
        }
        return new StoredContact(rs.getString(1), ContactState.valueOf(rs.getString(2)), rs.getString(3), credential);
    }

    void putContact(String username, ContactState state, String requestText, @Nullable Credential credential, long nowMs)
            throws SQLException {
        try (PreparedStatement st = db.prepareStatement("INSERT INTO contacts (username, state, request_text, credential,"
                + " updated_at_ms) VALUES (?, ?, ?, ?, ?) ON CONFLICT (username) DO UPDATE SET state = excluded.state,"
                + " request_text = excluded.request_text, credential = COALESCE(excluded.credential, contacts.credential),"
                + " updated_at_ms = excluded.updated_at_ms")) {
            st.setString(1, username);
            st.setString(2, state.name());
            st.setString(3, requestText);
            st.setBytes(4, credential == null ? null : credential.toByteArray());
            st.setLong(5, nowMs);
            st.executeUpdate();
        }
    }

    int countContacts(ContactState state) throws SQLException {
        try (PreparedStatement st = db.prepareStatement("SELECT COUNT(*) FROM contacts WHERE state = ?")) {
            st.setString(1, state.name());
            try (ResultSet rs = st.executeQuery()) {
                return rs.next() ? rs.getInt(1) : 0;
            }
        }
    }

    /** @return false if a message with this id is already stored */
    boolean insertMessage(ChatMessage m) throws SQLException {
        try (PreparedStatement st = db.prepareStatement("INSERT OR IGNORE INTO messages (message_id, peer, outgoing, seq, body,"
                + " sent_at_ms, status, arrival) VALUES (?, ?, ?, ?, ?, ?, ?, (SELECT COALESCE(MAX(arrival), 0) + 1 FROM messages))")) {
            st.setString(1, m.id());
            st.setString(2, m.peer());
            st.setInt(3, m.outgoing() ? 1 : 0);
            st.setLong(4, m.seq());
            st.setString(5, m.text());
            st.setLong(6, m.sentAtMs());
            st.setString(7, m.status().name());
            return st.executeUpdate() == 1;
        }
    }

    /** Puts a message last in its conversation's history (when it is handed to the user, in its sender's order). */
    void stampArrival(String id) throws SQLException {
        try (PreparedStatement st = db.prepareStatement(
                "UPDATE messages SET arrival = (SELECT MAX(arrival) + 1 FROM messages) WHERE message_id = ?")) {
            st.setString(1, id);
            st.executeUpdate();
        }
    }

    /** @return the next sequence number of this user's messages to {@code peer} */
    long nextSeq(String peer) throws SQLException {
        try (PreparedStatement st = db.prepareStatement("SELECT COALESCE(MAX(seq), 0) + 1 FROM messages WHERE peer = ? AND outgoing = 1")) {
            st.setString(1, peer);
            try (ResultSet rs = st.executeQuery()) {
                return rs.next() ? rs.getLong(1) : 1;
            }
        }
    }

    /** @return the highest sequence number received from {@code peer} (0: none) */
    long lastIncomingSeq(String peer) throws SQLException {
        try (PreparedStatement st = db.prepareStatement("SELECT COALESCE(MAX(seq), 0) FROM messages WHERE peer = ? AND outgoing = 0")) {
            st.setString(1, peer);
            try (ResultSet rs = st.executeQuery()) {
                return rs.next() ? rs.getLong(1) : 0;
            }
        }
    }

    /**
     * Moves an outgoing message forward (never back: a late DELIVERED does not undo READ).
     *
     * @return the message after the change, none if unknown or already at or past {@code status}
     */
    Optional<ChatMessage> advance(String id, MessageStatus status) throws SQLException {
        Optional<ChatMessage> m = message(id);
        if (m.isEmpty() || !m.get().outgoing() || m.get().status().ordinal() >= status.ordinal()) {
            return Optional.empty();
        }
        setStatus(id, status);
        return message(id);
    }

    void setStatus(String id, MessageStatus status) throws SQLException {
        try (PreparedStatement st = db.prepareStatement("UPDATE messages SET status = ? WHERE message_id = ?")) {
            st.setString(1, status.name());
            st.setString(2, id);
            st.executeUpdate();
        }
    }

    Optional<ChatMessage> message(String id) throws SQLException {
        List<ChatMessage> found = messages("WHERE message_id = ?", id, 1);
        return found.isEmpty() ? Optional.empty() : Optional.of(found.get(0));
    }

    /** @return the last {@code limit} messages with {@code peer}, oldest first */
    List<ChatMessage> history(String peer, int limit) throws SQLException {
        List<ChatMessage> newest = messages("WHERE peer = ? ORDER BY arrival DESC", peer, limit);
        return newest.reversed();
    }

    /** @return incoming messages from {@code peer} not yet read */
    List<ChatMessage> unread(String peer) throws SQLException {
        return messages("WHERE peer = ? AND outgoing = 0 AND status = 'RECEIVED' ORDER BY arrival", peer, 10_000);
    }

    private List<ChatMessage> messages(String where, String arg, int limit) throws SQLException {
        List<ChatMessage> out = new ArrayList<>();
        try (PreparedStatement st = db.prepareStatement("SELECT message_id, peer, outgoing, seq, body, sent_at_ms, status"
                + " FROM messages " + where + " LIMIT ?")) {
            st.setString(1, arg);
            st.setInt(2, limit);
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    out.add(new ChatMessage(rs.getString(1), rs.getString(2), rs.getInt(3) == 1, rs.getLong(4),
                            rs.getString(5), rs.getLong(6), MessageStatus.valueOf(rs.getString(7))));
                }
            }
        }
        return out;
    }

    /** @return true if {@code id} was not seen before (it is now) */
    boolean markSeen(String id, long nowMs) throws SQLException {
        try (PreparedStatement st = db.prepareStatement("INSERT OR IGNORE INTO seen (message_id, at_ms) VALUES (?, ?)")) {
            st.setString(1, id);
            st.setLong(2, nowMs);
            return st.executeUpdate() == 1;
        }
    }

    void pruneSeen(long olderThanMs) throws SQLException {
        try (PreparedStatement st = db.prepareStatement("DELETE FROM seen WHERE at_ms < ?")) {
            st.setLong(1, olderThanMs);
            st.executeUpdate();
        }
    }

    @Nullable String setting(String name) throws SQLException {
        try (PreparedStatement st = db.prepareStatement("SELECT value FROM settings WHERE name = ?")) {
            st.setString(1, name);
            try (ResultSet rs = st.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }

    void setting(String name, String value) throws SQLException {
        try (PreparedStatement st = db.prepareStatement("INSERT INTO settings (name, value) VALUES (?, ?)"
                + " ON CONFLICT (name) DO UPDATE SET value = excluded.value")) {
            st.setString(1, name);
            st.setString(2, value);
            st.executeUpdate();
        }
    }

    /** A step of a transaction. */
    interface Work {
        void run() throws SQLException;
    }

    /** Runs {@code work} in one transaction: all of it survives a crash, or none. */
    void transaction(Work work) throws SQLException {
        db.setAutoCommit(false);
        try {
            work.run();
            db.commit();
        } catch (SQLException | RuntimeException e) {
            db.rollback();
            throw e;
        } finally {
            db.setAutoCommit(true);
        }
    }

    @Override
    public void close() throws SQLException {
        db.close();
    }
}
