package dev.parley.client;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.protocol.HostPort;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A crash must not lose what the client learnt since it joined: the host cache is saved as it changes. */
class HostCacheSaverTest {
    private static final HostPort GOSSIPED = new HostPort("10.0.0.7", 7007);
    @TempDir
    Path dir;
    private final InstantSource clock = InstantSource.fixed(Instant.parse("2026-03-01T12:00:00Z"));
    private final ScheduledExecutorService disk = Executors.newSingleThreadScheduledExecutor();

    @AfterEach
    void stop() {
        disk.shutdownNow();
    }

    @Test
    void changeIsOnDiskWithoutAnExplicitSave() throws Exception {
        Path file = dir.resolve("hostcache.txt");
        HostCache cache = HostCache.load(file, 10, clock);
        new HostCacheSaver(cache, disk, Duration.ofMillis(20));

        cache.add(GOSSIPED);
        cache.recordSuccess(GOSSIPED, 30);

        // Nobody calls save() or close(): the process could die now. Poll the file with a deadline.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!Files.exists(file) || HostCache.load(file, 10, clock).entry(GOSSIPED) == null
                || HostCache.load(file, 10, clock).entry(GOSSIPED).successes() != 1) {
            assertThat(System.nanoTime()).as("host cache saved within 5 s").isLessThan(deadline);
            TimeUnit.MILLISECONDS.sleep(10); // polling the file, bounded by the deadline
        }
        assertThat(HostCache.load(file, 10, clock).entry(GOSSIPED).rttMs()).isEqualTo(30);
    }

    @Test
    void closeWritesTheFinalState() throws Exception {
        Path file = dir.resolve("hostcache.txt");
        HostCache cache = HostCache.load(file, 10, clock);
        HostCacheSaver saver = new HostCacheSaver(cache, disk, Duration.ofHours(1)); // coalesced: nothing due yet
        cache.add(GOSSIPED);
        assertThat(file).doesNotExist();
        saver.close();
        assertThat(HostCache.load(file, 10, clock).entries()).containsExactly(GOSSIPED);
    }
}
