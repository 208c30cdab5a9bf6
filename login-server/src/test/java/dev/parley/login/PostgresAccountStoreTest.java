package dev.parley.login;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * {@link AccountStoreTest} on PostgreSQL: a fresh schema per test ({@link PgTestDatabase}; skipped
 * without {@value PgTestDatabase#URL_ENV} outside CI).
 */
class PostgresAccountStoreTest extends AccountStoreTest {
    private PgTestDatabase db;

    @BeforeEach
    void createSchema() {
        db = PgTestDatabase.create("accounts");
    }

    @AfterEach
    void dropSchema() throws Exception {
        if (db != null) {
            db.close();
        }
    }

    @Override
    String url() {
        return db.url();
    }
}
