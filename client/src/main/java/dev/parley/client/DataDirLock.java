package dev.parley.client;

import dev.parley.protocol.AtomicFiles;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * An exclusive lock on a client data directory ({@code DIR/lock}), held for the client's lifetime:
 * two clients sharing one directory would overwrite each other's credential and host cache and
 * register the same key twice. The operating system releases it if the process dies.
 */
final class DataDirLock implements AutoCloseable {
    /** Name of the lock file in the data directory. */
    static final String FILE = "lock";

    private final FileChannel channel;
    private final FileLock lock;

    private DataDirLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /**
     * Creates {@code dir} (owner-only) if needed and locks it.
     *
     * @throws IOException "data dir X is in use by another parley client", or if the lock file cannot be opened
     */
    static DataDirLock acquire(Path dir) throws IOException {
        AtomicFiles.createPrivateDirectories(dir);
        FileChannel channel = FileChannel.open(dir.resolve(FILE), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = channel.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null; // held by another client in this JVM
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
        if (lock == null) {
            channel.close();
            throw new IOException("data dir " + dir.toAbsolutePath() + " is in use by another parley client");
        }
        return new DataDirLock(channel, lock);
    }

    /** Releases the lock. */
    @Override
    public void close() throws IOException {
        try {
            lock.release();
        } finally {
            channel.close();
        }
    }
}
