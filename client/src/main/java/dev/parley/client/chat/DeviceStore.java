package dev.parley.client.chat;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.parley.protocol.ChatSeals;
import dev.parley.protocol.wire.Credential;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The devices table of the chat database ({@link ChatStore}): for each contact (and for this user
 * itself: its sibling devices) the verified credentials of its devices, each device named by its
 * credential's Ed25519 key (docs/protocol.md "Several devices"). Packets to a user are sealed to
 * each of its {@value #MAX_DEVICES} most recently learned devices. Only credentials the caller has
 * verified (login server's signature, the user's name) are put here. Chat thread only.
 */
final class DeviceStore {
    /** Devices used per user at most (the account's bound: {@code PeerDirectory.MAX_DEVICES}). */
    static final int MAX_DEVICES = ChatSeals.MAX_SYNCED_DEVICES;
    /** Devices kept per user at most (older ones are forgotten). */
    static final int MAX_KEPT = 2 * MAX_DEVICES;
    private static final HexFormat HEX = HexFormat.of();

    private final Connection db;

    DeviceStore(Connection db) {
        this.db = db;
    }

    /** @return the device id (hex of its Ed25519 key) a credential certifies */
    static String id(Credential c) {
        return HEX.formatHex(c.getPublicKey().toByteArray());
    }

    /**
     * Remembers a device's (verified) credential, or a newer credential of a known device.
     *
     * @return true if the device was not known before
     */
    boolean learn(String username, Credential credential, long nowMs) throws SQLException {
        String device = id(credential);
        boolean known;
        try (PreparedStatement st = db.prepareStatement("SELECT 1 FROM devices WHERE username = ? AND device = ?")) {
            st.setString(1, username);
            st.setString(2, device);
            try (ResultSet rs = st.executeQuery()) {
                known = rs.next();
            }
        }
        try (PreparedStatement st = db.prepareStatement("INSERT INTO devices (username, device, credential, seen_at_ms)"
                + " VALUES (?, ?, ?, ?) ON CONFLICT (username, device) DO UPDATE SET seen_at_ms = excluded.seen_at_ms,"
                + " credential = CASE WHEN ? > ? THEN excluded.credential ELSE devices.credential END")) {
            st.setString(1, username);
            st.setString(2, device);
            st.setBytes(3, credential.toByteArray());
            st.setLong(4, nowMs);
            st.setLong(5, credential.getIssuedAtMs());
            st.setLong(6, known ? issuedAt(username, device) : 0);
            st.executeUpdate();
        }
        if (!known) {
            try (PreparedStatement st = db.prepareStatement("DELETE FROM devices WHERE username = ? AND device NOT IN"
                    + " (SELECT device FROM devices WHERE username = ? ORDER BY seen_at_ms DESC LIMIT ?)")) {
                st.setString(1, username);
                st.setString(2, username);
                st.setInt(3, MAX_KEPT);
                st.executeUpdate();
            }
        }
        return !known;
    }

    private long issuedAt(String username, String device) throws SQLException {
        for (Credential c : select("WHERE username = ? AND device = ?", username, device, 1)) {
            return c.getIssuedAtMs();
        }
        return 0;
    }

    /** @return {@code username}'s devices, most recently learned first (at most {@value #MAX_DEVICES}) */
    List<Credential> of(String username) throws SQLException {
        return select("WHERE username = ? ORDER BY seen_at_ms DESC, device", username, null, MAX_DEVICES);
    }

    private List<Credential> select(String where, String username, @Nullable String device, int limit) throws SQLException {
        List<Credential> out = new ArrayList<>();
        try (PreparedStatement st = db.prepareStatement("SELECT credential FROM devices " + where + " LIMIT ?")) {
            st.setString(1, username);
            int i = 2;
            if (device != null) {
                st.setString(i++, device);
            }
            st.setInt(i, limit);
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    try {
                        out.add(Credential.parseFrom(rs.getBytes(1)));
                    } catch (InvalidProtocolBufferException e) {
                        // unreadable: learned again from the device's next packet
                    }
                }
            }
        }
        return out;
    }

    /** chat.db version 1 kept one credential per contact: each becomes its contact's first device (idempotent). */
    void migrateContacts() throws SQLException {
        List<Object[]> rows = new ArrayList<>();
        try (PreparedStatement st = db.prepareStatement("SELECT username, credential, updated_at_ms FROM contacts"
                + " WHERE credential IS NOT NULL AND username NOT IN (SELECT username FROM devices)");
             ResultSet rs = st.executeQuery()) {
            while (rs.next()) {
                rows.add(new Object[] {rs.getString(1), rs.getBytes(2), rs.getLong(3)});
            }
        }
        for (Object[] row : rows) {
            try {
                learn((String) row[0], Credential.parseFrom((byte[]) row[1]), (Long) row[2]);
            } catch (InvalidProtocolBufferException e) {
                // an unreadable credential: learned again from the contact's next packet
            }
        }
    }
}
