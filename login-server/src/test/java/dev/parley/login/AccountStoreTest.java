package dev.parley.login;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The account store's contract, run on SQLite ({@link SqliteAccountStoreTest}) and PostgreSQL
 * ({@link PostgresAccountStoreTest}): the same migrations and statements on both.
 */
abstract class AccountStoreTest {
    /** @return the JDBC URL of an empty database, the same one for every call within a test */
    abstract String url();

    private final PasswordHasher hasher = new PasswordHasher(TestSupport.CHEAP, TestSupport.seededRandom(11));

    private Account account(String canonical, String display) {
        return new Account(canonical, display, hasher.hash("pw-" + display), Instant.ofEpochMilli(1_700_000_000_123L));
    }

    @Test
    void storesAndFindsAccountsWithAllHashFields() throws Exception {
        try (AccountStore store = AccountStore.open(url(), 2)) {
            Account alice = account("alice", "Alice");
            assertThat(store.create(alice)).isTrue();

            Account found = store.find("alice").orElseThrow();
            assertThat(found).isEqualTo(alice);
            assertThat(found.passwordHash().params()).isEqualTo(TestSupport.CHEAP);
            assertThat(store.find("bob")).isEmpty();
            assertThat(store.count()).isEqualTo(1);
        }
    }

    @Test
    void refusesADuplicateCanonicalName() throws Exception {
        try (AccountStore store = AccountStore.open(url(), 2)) {
            assertThat(store.create(account("alice", "Alice"))).isTrue();
            assertThat(store.create(account("alice", "ALICE"))).isFalse();

            assertThat(store.find("alice").orElseThrow().displayName()).isEqualTo("Alice");
            assertThat(store.count()).isEqualTo(1);
        }
    }

    @Test
    void schemaItselfEnforcesUniqueness() throws Exception {
        try (AccountStore store = AccountStore.open(url(), 1)) {
            assertThat(store.create(account("alice", "alice"))).isTrue();
        }
        // Columns named: a row that is wrong in any other way must not make this pass.
        String insert = "INSERT INTO accounts (username, display_name, password_hash, salt, argon2_memory_kib,"
                + " argon2_iterations, argon2_parallelism, argon2_version, created_at_ms) VALUES"
                + " ('%s', 'ALICE', 'aa', 'bb', 256, 1, 1, 19, 0)";
        try (Connection c = DriverManager.getConnection(url()); Statement st = c.createStatement()) {
            assertThat(st.executeUpdate(String.format(insert, "alice2"))).isEqualTo(1);
            assertThatThrownBy(() -> st.executeUpdate(String.format(insert, "alice")))
                    .isInstanceOf(SQLException.class)
                    .satisfies(e -> assertThat(Sql.isUniqueViolation((SQLException) e)).isTrue());
        }
    }

    @Test
    void concurrentCreatesOfOneNameLetExactlyOneSucceed() throws Exception {
        int threads = 8;
        try (AccountStore store = AccountStore.open(url(), threads)) {
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            try {
                CountDownLatch start = new CountDownLatch(1);
                List<Future<Boolean>> results = new ArrayList<>();
                for (int i = 0; i < threads; i++) {
                    Account a = account("carol", "Carol" + i);
                    results.add(pool.submit(() -> {
                        start.await();
                        return store.create(a);
                    }));
                }
                start.countDown();
                int created = 0;
                for (Future<Boolean> r : results) {
                    created += r.get(30, TimeUnit.SECONDS) ? 1 : 0;
                }
                assertThat(created).isEqualTo(1);
                assertThat(store.count()).isEqualTo(1);
            } finally {
                pool.shutdownNow();
            }
        }
    }

    @Test
    void accountsSurviveReopening() throws Exception {
        String url = url();
        Account dave = account("dave", "Dave");
        try (AccountStore store = AccountStore.open(url, 1)) {
            store.create(dave);
        }
        try (AccountStore store = AccountStore.open(url, 1)) {
            assertThat(store.find("dave")).contains(dave);
        }
    }

    @Test
    void redactsUrlParameters() {
        assertThat(AccountStore.redact("jdbc:postgresql://db/parley?user=u&password=secret"))
                .isEqualTo("jdbc:postgresql://db/parley?…");
    }
}
