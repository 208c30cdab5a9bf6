package dev.parley.client.chat;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.client.call.CallKeys;
import dev.parley.protocol.Credentials;
import dev.parley.protocol.Ed25519KeyPair;
import dev.parley.protocol.wire.Credential;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.time.InstantSource;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A chat.db of version 1 (one credential per contact, one outbox entry per packet) opens as
 * version 2: each contact's credential becomes its first device, and unsent packets stay in the
 * outbox (as copies naming no device) and are still sent.
 */
class ChatStoreMigrationTest {
    @TempDir
    Path dir;

    @Test
    void aVersionOneDatabaseKeepsItsContactsKeysAndItsOutbox() throws Exception {
        Path file = dir.resolve("chat.db");
        String url = "jdbc:sqlite:" + file.toAbsolutePath();
        Flyway.configure().dataSource(url, null, null).locations("classpath:dev/parley/client/chat/db").target("1").load().migrate();
        Ed25519KeyPair bobKey = Ed25519KeyPair.fromSeed(new byte[32]);
        byte[] serverSeed = new byte[32];
        serverSeed[0] = 1;
        Credential bob = Credentials.issue(Ed25519KeyPair.fromSeed(serverSeed), "bob", bobKey.publicKey(),
                CallKeys.encryptionKey(bobKey).publicKey(), InstantSource.system().instant(), Duration.ofHours(1));
        try (Connection c = DriverManager.getConnection(url)) {
            try (PreparedStatement st = c.prepareStatement("INSERT INTO contacts (username, state, credential, updated_at_ms)"
                    + " VALUES ('bob', 'ACCEPTED', ?, 5)")) {
                st.setBytes(1, bob.toByteArray());
                st.executeUpdate();
            }
            c.createStatement().executeUpdate("INSERT INTO outbox (message_id, peer, packet, until_receipt, next_try_ms)"
                    + " VALUES ('00112233445566778899aabbccddeeff', 'bob', x'0102', 1, 0)");
        }

        try (ChatStore store = ChatStore.open(file)) {
            assertThat(store.devices.of("bob")).containsExactly(bob);
            assertThat(store.outbox.due(1, 10)).singleElement().satisfies(e -> {
                assertThat(e.messageId()).isEqualTo("00112233445566778899aabbccddeeff");
                assertThat(e.device()).isEmpty();
                assertThat(e.untilReceipt()).isTrue();
            });
            store.outbox.delivered("00112233445566778899aabbccddeeff", DeviceStore.id(bob));
            assertThat(store.outbox.size()).as("a receipt from any device of bob clears a copy naming no device").isZero();
        }
        try (ChatStore again = ChatStore.open(file)) {
            assertThat(again.devices.of("bob")).as("migrated once").containsExactly(bob);
        }
    }
}
