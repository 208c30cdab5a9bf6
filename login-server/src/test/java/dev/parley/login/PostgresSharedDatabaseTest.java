package dev.parley.login;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/** {@link SharedDatabaseTest} on PostgreSQL: a fresh schema per test ({@link PgTestDatabase}). */
class PostgresSharedDatabaseTest extends SharedDatabaseTest {
    private PgTestDatabase db;

    @BeforeEach
    void createSchema() {
        db = PgTestDatabase.create("shared");
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
