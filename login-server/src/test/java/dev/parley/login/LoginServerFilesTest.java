package dev.parley.login;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.parley.protocol.HostPort;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Another local user must not read the signing key or the password hashes. */
class LoginServerFilesTest {
    @TempDir
    Path dir;

    @Test
    void keyDatabaseAndDataDirAreOwnerOnly() throws Exception {
        assumeTrue(FileSystems.getDefault().supportedFileAttributeViews().contains("posix"));
        Path data = dir.resolve("login");
        LoginServerConfig config = LoginServerConfig.defaults(new HostPort("127.0.0.1", 0), data)
                .withArgon2(TestSupport.CHEAP).withRandom(TestSupport.seededRandom(3));
        try (LoginServer server = LoginServer.start(config)) {
            assertThat(mode(data)).isEqualTo("rwx------");
            assertThat(mode(data.resolve("login-server.key"))).isEqualTo("rw-------");
            assertThat(mode(data.resolve("accounts.db"))).isEqualTo("rw-------");
            assertThat(mode(data.resolve("login-server.pub"))).isEqualTo("rw-r--r--");
        }
    }

    private static String mode(Path p) throws Exception {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }
}
