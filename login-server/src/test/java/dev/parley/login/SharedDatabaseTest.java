package dev.parley.login;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.parley.protocol.HostPort;
import dev.parley.protocol.wire.SuperNodeCertificate;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two login servers on one database, on SQLite ({@link SqliteSharedDatabaseTest}) and PostgreSQL
 * ({@link PostgresSharedDatabaseTest}): one trust root, and the super-node directory shared.
 */
abstract class SharedDatabaseTest {
    private static final Duration TTL = Duration.ofSeconds(15);

    @TempDir
    Path dir;

    /** @return the JDBC URL of an empty database, the same one for every call within a test */
    abstract String url();

    private LoginServerConfig config(String name) {
        return LoginServerConfig.defaults(new HostPort("127.0.0.1", 0), dir.resolve(name)).withJdbcUrl(url())
                .withArgon2(TestSupport.CHEAP).withRandom(TestSupport.seededRandom(name.hashCode()));
    }

    @Test
    void aSecondLoginServerWithoutTheSigningKeyRefusesToStartInsteadOfMakingItsOwn() throws Exception {
        try (LoginServer a = LoginServer.start(config("a"))) {
            assertThatThrownBy(() -> LoginServer.start(config("b"))).isInstanceOf(IOException.class)
                    .hasMessageContaining("no signing key").hasMessageContaining("copy login-server.key");
            assertThat(dir.resolve("b/login-server.key")).as("no new key generated").doesNotExist();
        }
    }

    @Test
    void aSecondLoginServerWithAnotherSigningKeyRefusesToStart() throws Exception {
        try (LoginServer other = LoginServer.start(config("other").withJdbcUrl(null))) { // its own key, its own SQLite
            assertThat(other.publicKey()).isNotEmpty();
        }
        try (LoginServer a = LoginServer.start(config("a"))) {
            Files.createDirectories(dir.resolve("b"));
            Files.copy(dir.resolve("other/login-server.key"), dir.resolve("b/login-server.key"));

            assertThatThrownBy(() -> LoginServer.start(config("b"))).isInstanceOf(IOException.class)
                    .hasMessageContaining("is not this database's trust root");
        }
    }

    @Test
    void loginServersWithTheCopiedKeyShareOneTrustRoot() throws Exception {
        try (LoginServer a = LoginServer.start(config("a"))) {
            Files.createDirectories(dir.resolve("b"));
            Files.copy(dir.resolve("a/login-server.key"), dir.resolve("b/login-server.key")); // the operator's step
            try (LoginServer b = LoginServer.start(config("b"))) {
                assertThat(b.publicKey()).isEqualTo(a.publicKey());
                // An enrolment token made on either works on the other: they are rows of the shared database.
                String token = a.superNodes().createToken(Duration.ofHours(1));
                try (Connection c = DriverManager.getConnection(url());
                        PreparedStatement st = c.prepareStatement("SELECT COUNT(*) FROM enrolment_tokens WHERE token_hash = ?")) {
                    st.setString(1, SuperNodeCertifier.hashToken(token));
                    try (ResultSet rs = st.executeQuery()) {
                        rs.next();
                        assertThat(rs.getInt(1)).isEqualTo(1);
                    }
                }
            }
        }
    }

    @Test
    void heartbeatsHeardByOneLoginServerAreListedByTheOther() throws Exception {
        MutableClock clock = new MutableClock(TestSupport.T0);
        try (AccountStore storeA = AccountStore.open(url(), 1); AccountStore storeB = AccountStore.open(url(), 1)) {
            SuperNodeRegistry a = new SuperNodeRegistry(clock, TTL, 100);
            SuperNodeRegistry b = new SuperNodeRegistry(clock, TTL, 100);
            try (DirectorySync syncA = new DirectorySync(storeA.dataSource(), a, clock, TTL, 100);
                    DirectorySync syncB = new DirectorySync(storeB.dataSource(), b, clock, TTL, 100)) {
                syncA.start(Duration.ofDays(1)); // listens; first sync now, the test drives the others
                syncB.start(Duration.ofDays(1));
                a.heartbeat(node(1), cert(1)); // t = 0
                clock.advance(Duration.ofSeconds(1));
                b.heartbeat(node(2), cert(2)); // t = 1
                syncA.sync();
                syncB.sync();
                syncA.sync();

                assertThat(b.live(10)).containsExactly(node(2), node(1));
                assertThat(a.live(10)).containsExactly(node(2), node(1));
                assertThat(b.holder(node(1))).contains(cert(1));

                clock.advance(Duration.ofSeconds(1));
                b.heartbeat(node(1), cert(1)); // t = 2: node 1 now heartbeats B
                syncB.sync();
                clock.advance(TTL.minusSeconds(1)); // t = 16: node 2 is TTL old, node 1 is not
                syncA.sync();
                assertThat(a.live(10)).as("A lists what B heard").containsExactly(node(1));

                clock.advance(Duration.ofSeconds(1));
                syncA.sync();
                syncB.sync();
                assertThat(a.live(10)).isEmpty();
                assertThat(b.live(10)).isEmpty();
            }
        }
    }

    @Test
    void anOlderHeartbeatWrittenLaterDoesNotRollANewerOneBack() throws Exception {
        MutableClock clock = new MutableClock(TestSupport.T0);
        try (AccountStore store = AccountStore.open(url(), 1)) {
            SuperNodeRegistry a = new SuperNodeRegistry(clock, TTL, 100);
            SuperNodeRegistry b = new SuperNodeRegistry(clock, TTL, 100);
            SuperNodeRegistry c = new SuperNodeRegistry(clock, TTL, 100);
            try (DirectorySync syncA = new DirectorySync(store.dataSource(), a, clock, TTL, 100);
                    DirectorySync syncB = new DirectorySync(store.dataSource(), b, clock, TTL, 100);
                    DirectorySync syncC = new DirectorySync(store.dataSource(), c, clock, TTL, 100)) {
                syncA.start(Duration.ofDays(1));
                syncB.start(Duration.ofDays(1));
                a.heartbeat(node(3), cert(3)); // t = 0, written last
                clock.advance(Duration.ofSeconds(1));
                b.heartbeat(node(3), cert(3)); // t = 1, written first
                syncB.sync();
                syncA.sync();

                clock.advance(TTL.minusSeconds(1)); // t = 15: live only if the row says t = 1
                syncC.sync();
                assertThat(c.live(10)).containsExactly(node(3));
            }
        }
    }

    @Test
    void aCorruptDirectoryRowIsIgnored() throws Exception {
        MutableClock clock = new MutableClock(TestSupport.T0);
        try (AccountStore store = AccountStore.open(url(), 1)) {
            try (Connection c = store.dataSource().getConnection(); PreparedStatement st = c.prepareStatement(
                    "INSERT INTO supernode_directory (address, certificate, heard_at_ms) VALUES (?, ?, ?)")) {
                st.setString(1, "10.0.0.9:4009");
                st.setString(2, "zz-not-hex");
                st.setLong(3, clock.millis());
                st.executeUpdate();
                st.setString(1, "10.0.0.8:4008");
                st.setString(2, "0a0b"); // hex, not a certificate naming this address
                st.executeUpdate();
                st.setString(1, "10.0.0.7:4007");
                st.setString(2, "00".repeat(DirectorySync.MAX_CERTIFICATE_BYTES + 1)); // over the bound
                st.executeUpdate();
                st.setString(1, "10.0.0.6:4006"); // a valid certificate, but for another address
                st.setString(2, HexFormat.of().formatHex(cert(5).toByteArray()));
                st.executeUpdate();
                st.setString(1, node(4).toString()); // the one good row
                st.setString(2, HexFormat.of().formatHex(cert(4).toByteArray()));
                st.executeUpdate();
            }
            SuperNodeRegistry registry = new SuperNodeRegistry(clock, TTL, 100);
            try (DirectorySync sync = new DirectorySync(store.dataSource(), registry, clock, TTL, 100)) {
                sync.sync();
            }
            assertThat(registry.live(10)).containsExactly(node(4));
        }
    }

    @Test
    void fuzzedDirectoryRowsNeverBreakTheMerge() throws Exception {
        MutableClock clock = new MutableClock(TestSupport.T0);
        Random random = new Random(42);
        try (AccountStore store = AccountStore.open(url(), 1)) {
            try (Connection c = store.dataSource().getConnection(); PreparedStatement st = c.prepareStatement(
                    "INSERT INTO supernode_directory (address, certificate, heard_at_ms) VALUES (?, ?, ?)")) {
                for (int i = 0; i < 200; i++) {
                    HostPort address = new HostPort("10.1.0." + i, 5000 + i);
                    byte[] valid = SuperNodeCertificate.newBuilder().setAddress(address.toAddress()).setIssuedAtMs(i)
                            .build().toByteArray();
                    byte[] mutated = Arrays.copyOf(valid, Math.max(0, valid.length + random.nextInt(5) - 2));
                    for (int flips = random.nextInt(3); flips > 0 && mutated.length > 0; flips--) {
                        mutated[random.nextInt(mutated.length)] ^= (byte) (1 + random.nextInt(255));
                    }
                    st.setString(1, address.toString());
                    st.setString(2, HexFormat.of().formatHex(mutated));
                    st.setLong(3, clock.millis() - random.nextInt(1000));
                    st.addBatch();
                }
                st.executeBatch();
            }
            SuperNodeRegistry registry = new SuperNodeRegistry(clock, TTL, 100);
            try (DirectorySync sync = new DirectorySync(store.dataSource(), registry, clock, TTL, 100)) {
                sync.sync();
            }
            assertThat(registry.live(1_000)).as("a row is only listed under the address its certificate names")
                    .isNotEmpty().hasSizeLessThan(200)
                    .allSatisfy(a -> assertThat(registry.holder(a).orElseThrow().getAddress()).isEqualTo(a.toAddress()));
        }
    }

    private static HostPort node(int i) {
        return new HostPort("10.0.0." + i, 4000 + i);
    }

    private static SuperNodeCertificate cert(int i) {
        return SuperNodeCertificate.newBuilder().setAddress(node(i).toAddress()).setIssuedAtMs(i).build();
    }
}
