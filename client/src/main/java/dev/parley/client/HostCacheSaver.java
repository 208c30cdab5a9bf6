package dev.parley.client;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Saves a {@link HostCache} as it changes, so a crash loses at most {@code interval} of what the
 * client learnt: changes are coalesced into at most one save per interval, written on the given
 * (disk) executor, never on a network loop.
 */
final class HostCacheSaver implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(HostCacheSaver.class);
    /** Default most frequent save. */
    static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(1);

    private final HostCache cache;
    private final ScheduledExecutorService disk;
    private final long intervalMs;
    private final AtomicBoolean pending = new AtomicBoolean();

    /**
     * Starts listening to {@code cache}'s changes.
     *
     * @param disk single-threaded executor for the writes (saves must not run concurrently)
     * @param interval most frequent save (positive)
     */
    HostCacheSaver(HostCache cache, ScheduledExecutorService disk, Duration interval) {
        if (interval.isNegative() || interval.isZero()) {
            throw new IllegalArgumentException("interval: " + interval + " (expected: > 0)");
        }
        this.cache = cache;
        this.disk = disk;
        this.intervalMs = interval.toMillis();
        cache.onChange(this::changed);
    }

    private void changed() {
        if (pending.compareAndSet(false, true)) {
            try {
                disk.schedule(this::save, intervalMs, TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException e) {
                pending.set(false); // closing: close() writes the final state
            }
        }
    }

    private void save() {
        pending.set(false); // a change from now on schedules the next save, one interval later
        try {
            cache.save();
        } catch (IOException e) {
            log.warn("cannot save the host cache: {}", e.toString());
        }
    }

    /** Stops listening and writes the cache's final state on the calling thread. */
    @Override
    public void close() {
        cache.onChange(() -> {});
        save();
    }
}
