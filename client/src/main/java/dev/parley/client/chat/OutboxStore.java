package dev.parley.client.chat;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * The outbox table of the chat database ({@link ChatStore}): sealed packets not yet acknowledged,
 * one entry per copy — a packet to a user goes to each of its devices, each copy sealed to that
 * device under the same message id ({@link Fanout}). Chat thread only; methods throw
 * {@link SQLException} on database failures.
 */
final class OutboxStore {
    /**
     * An outbox entry: one copy of a packet as first sealed.
     *
     * @param device hex of the recipient device's key ("" for entries of chat.db version 1)
     */
    record Entry(String messageId, String device, String peer, byte[] packet, boolean untilReceipt, int tries) {
        /** @return a key naming this copy */
        String copy() {
            return messageId + "/" + device;
        }
    }

    private final Connection db;

    OutboxStore(Connection db) {
        this.db = db;
    }

    void put(String id, String device, String peer, byte[] packet, boolean untilReceipt, long nextTryMs) throws SQLException {
        try (PreparedStatement st = db.prepareStatement("INSERT OR IGNORE INTO outbox (message_id, device, peer, packet,"
                + " until_receipt, next_try_ms) VALUES (?, ?, ?, ?, ?, ?)")) {
            st.setString(1, id);
            st.setString(2, device);
            st.setString(3, peer);
            st.setBytes(4, packet);
            st.setInt(5, untilReceipt ? 1 : 0);
            st.setLong(6, nextTryMs);
            st.executeUpdate();
        }
    }

    /** @return entries due at {@code nowMs}, oldest first (at most {@code limit}) */
    List<Entry> due(long nowMs, int limit) throws SQLException {
        List<Entry> out = new ArrayList<>();
        try (PreparedStatement st = db.prepareStatement("SELECT message_id, device, peer, packet, until_receipt, tries FROM outbox"
                + " WHERE next_try_ms <= ? ORDER BY rowid LIMIT ?")) {
            st.setLong(1, nowMs);
            st.setInt(2, limit);
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    out.add(new Entry(rs.getString(1), rs.getString(2), rs.getString(3), rs.getBytes(4), rs.getInt(5) == 1,
                            rs.getInt(6)));
                }
            }
        }
        return out;
    }

    /** Sets a copy's next try; {@code accepted}: a super node took it (it may wait in a mailbox). */
    void reschedule(Entry e, long nextTryMs, int tries, boolean accepted) throws SQLException {
        try (PreparedStatement st = db.prepareStatement("UPDATE outbox SET next_try_ms = ?, tries = ?,"
                + " accepted = MAX(accepted, ?) WHERE message_id = ? AND device = ?")) {
            st.setLong(1, nextTryMs);
            st.setInt(2, tries);
            st.setInt(3, accepted ? 1 : 0);
            st.setString(4, e.messageId());
            st.setString(5, e.device());
            st.executeUpdate();
        }
    }

    /** Makes every entry due now (after a rejoin). */
    void retryAll(long nowMs) throws SQLException {
        try (PreparedStatement st = db.prepareStatement("UPDATE outbox SET next_try_ms = ?")) {
            st.setLong(1, nowMs);
            st.executeUpdate();
        }
    }

    /** Removes every copy of a packet. */
    void remove(String id) throws SQLException {
        try (PreparedStatement st = db.prepareStatement("DELETE FROM outbox WHERE message_id = ?")) {
            st.setString(1, id);
            st.executeUpdate();
        }
    }

    /** Removes one copy. */
    void remove(Entry e) throws SQLException {
        try (PreparedStatement st = db.prepareStatement("DELETE FROM outbox WHERE message_id = ? AND device = ?")) {
            st.setString(1, e.messageId());
            st.setString(2, e.device());
            st.executeUpdate();
        }
    }

    /**
     * A device of the recipient confirmed delivery: its copy goes, and so do the copies a super node
     * already took (pushed to their device or kept in its mailbox, delivered when it comes): a
     * device that never comes back does not keep a delivered message in the outbox for ever. Copies
     * no super node took yet stay (sent until taken).
     *
     * @param device hex of the confirming device's key
     */
    void delivered(String id, String device) throws SQLException {
        try (PreparedStatement st = db.prepareStatement("DELETE FROM outbox WHERE message_id = ?"
                + " AND (device = ? OR device = '' OR accepted = 1)")) {
            st.setString(1, id);
            st.setString(2, device);
            st.executeUpdate();
        }
    }

    int size() throws SQLException {
        try (PreparedStatement st = db.prepareStatement("SELECT COUNT(DISTINCT message_id) FROM outbox");
             ResultSet rs = st.executeQuery()) {
            return rs.next() ? rs.getInt(1) : 0;
        }
    }
}
