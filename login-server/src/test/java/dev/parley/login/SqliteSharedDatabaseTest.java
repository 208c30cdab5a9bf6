package dev.parley.login;

/** {@link SharedDatabaseTest} on one SQLite file (login servers on one host). */
class SqliteSharedDatabaseTest extends SharedDatabaseTest {
    @Override
    String url() {
        return AccountStore.sqliteUrl(dir.resolve("shared.db"));
    }
}
