package dev.parley.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFilesTest {
    @TempDir
    Path dir;

    @Test
    void crashMidWriteLeavesTheOldContentAndNoTemporaryFile() throws IOException {
        Path file = dir.resolve("login.pb");
        AtomicFiles.write(file, "old".getBytes(StandardCharsets.UTF_8));

        // A writer that dies half-way, as a process would on a crash or a full disk.
        assertThatThrownBy(() -> AtomicFiles.write(file, AtomicFiles.OWNER_ONLY, out -> {
            out.write("new but only ha".getBytes(StandardCharsets.UTF_8));
            throw new IOException("disk full");
        })).isInstanceOf(IOException.class).hasMessage("disk full");

        assertThat(Files.readString(file)).isEqualTo("old");
        try (var files = Files.list(dir)) {
            assertThat(files).containsExactly(file);
        }
    }

    @Test
    void replacesTheContent() throws IOException {
        Path file = dir.resolve("sub").resolve("hostcache.txt");
        AtomicFiles.write(file, "one".getBytes(StandardCharsets.UTF_8));
        AtomicFiles.write(file, "two".getBytes(StandardCharsets.UTF_8));
        assertThat(Files.readString(file)).isEqualTo("two");
    }

    @Test
    void filesAreOwnerOnlyAndNewDirectoriesPrivate() throws IOException {
        assumeTrue(FileSystems.getDefault().supportedFileAttributeViews().contains("posix"));
        Path file = dir.resolve("new-dir").resolve("identity.key");
        AtomicFiles.write(file, new byte[Ed25519KeyPair.KEY_BYTES]);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file.getParent()))).isEqualTo("rwx------");

        Path pub = dir.resolve("server.pub");
        AtomicFiles.write(pub, AtomicFiles.WORLD_READABLE, out -> out.write('x'));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(pub))).isEqualTo("rw-r--r--");
    }
}
