package dev.parley.protocol;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * Crash-safe file writes: a reader (or the next start after a crash or power loss) sees either
 * the old content or the complete new content, never a torn file.
 *
 * <p>{@link #write} writes a temporary file in the target's directory, forces it to disk
 * ({@link FileChannel#force}), renames it over the target atomically and then forces the directory
 * so the rename itself is durable. Files are owner-only ({@code rw-------}) unless other POSIX
 * permissions are given; on file systems without POSIX permissions the directory's access rules apply.
 */
public final class AtomicFiles {
    /** Owner read/write only. */
    public static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");
    /** Owner read/write, everyone else read (for public material such as a public key). */
    public static final Set<PosixFilePermission> WORLD_READABLE = PosixFilePermissions.fromString("rw-r--r--");
    private static final Set<PosixFilePermission> OWNER_ONLY_DIR = PosixFilePermissions.fromString("rwx------");
    private static final boolean POSIX = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");

    private AtomicFiles() {}

    /** Produces a file's content. */
    @FunctionalInterface
    public interface Content {
        /**
         * @param out the temporary file (do not close it)
         * @throws IOException to abandon the write: the target keeps its old content
         */
        void writeTo(OutputStream out) throws IOException;
    }

    /** Writes {@code bytes} to {@code file} atomically and durably, owner-only; see {@link #write(Path, Set, Content)}. */
    public static void write(Path file, byte[] bytes) throws IOException {
        write(file, OWNER_ONLY, out -> out.write(bytes));
    }

    /**
     * Replaces {@code file} atomically and durably. Creates missing parent directories (owner-only).
     *
     * @param file the target
     * @param permissions POSIX permissions of the new file (ignored where unsupported)
     * @param content writes the new content; if it throws, the target is untouched and the temporary file removed
     * @throws IOException if writing, syncing or renaming fails (the target then keeps its old content)
     */
    public static void write(Path file, Set<PosixFilePermission> permissions, Content content) throws IOException {
        Path target = file.toAbsolutePath();
        Path dir = target.getParent();
        createPrivateDirectories(dir);
        Path tmp = POSIX
                ? Files.createTempFile(dir, "." + target.getFileName(), ".tmp", PosixFilePermissions.asFileAttribute(permissions))
                : Files.createTempFile(dir, "." + target.getFileName(), ".tmp");
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                OutputStream out = Channels.newOutputStream(ch);
                content.writeTo(out);
                out.flush();
                ch.force(true);
            }
            if (POSIX) {
                Files.setPosixFilePermissions(tmp, permissions); // createTempFile's attribute is subject to umask
            }
            try {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                throw new IOException(String.format("%s: cannot rename atomically (file system: %s)",
                        target, Files.getFileStore(dir).type()), e);
            }
            syncDirectory(dir);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /**
     * Creates {@code dir} and missing parents owner-only ({@code rwx------}); an existing directory is left as it is.
     *
     * @throws IOException if it cannot be created
     */
    public static void createPrivateDirectories(Path dir) throws IOException {
        if (Files.isDirectory(dir)) {
            return;
        }
        if (POSIX) {
            FileAttribute<Set<PosixFilePermission>> attr = PosixFilePermissions.asFileAttribute(OWNER_ONLY_DIR);
            Files.createDirectories(dir, attr);
        } else {
            Files.createDirectories(dir);
        }
    }

    /**
     * Makes an existing file owner-only ({@code rw-------}); does nothing where POSIX permissions are unsupported.
     *
     * @throws IOException if the permissions cannot be changed (e.g. another user owns the file)
     */
    public static void restrictToOwner(Path file) throws IOException {
        if (POSIX) {
            Files.setPosixFilePermissions(file, OWNER_ONLY);
        }
    }

    /** Forces a directory's entries (a rename in it) to disk; a no-op where directories cannot be opened (Windows). */
    private static void syncDirectory(Path dir) throws IOException {
        if (!POSIX) {
            return;
        }
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }
}
