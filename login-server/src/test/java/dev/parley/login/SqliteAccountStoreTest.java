package dev.parley.login;

import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/** {@link AccountStoreTest} on SQLite, the default: a new file per test. */
class SqliteAccountStoreTest extends AccountStoreTest {
    @TempDir
    Path dir;

    @Override
    String url() {
        return AccountStore.sqliteUrl(dir.resolve("a.db"));
    }
}
