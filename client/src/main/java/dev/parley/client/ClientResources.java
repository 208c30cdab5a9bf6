package dev.parley.client;

import java.io.IOException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a client holds beyond its sessions: the data-dir lock, the disk thread and the host-cache saver.
 *
 * @param saver none while the client is still joining
 */
record ClientResources(DataDirLock lock, ScheduledExecutorService disk, @Nullable HostCacheSaver saver) {
    private static final Logger log = LoggerFactory.getLogger(ClientResources.class);

    /** Stops the disk thread, writes the host cache a last time, then releases the lock. */
    void close() {
        disk.shutdownNow();
        try {
            disk.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (saver != null) {
            saver.close();
        }
        try {
            lock.close();
        } catch (IOException e) {
            log.debug("releasing the data dir lock failed", e);
        }
    }
}
