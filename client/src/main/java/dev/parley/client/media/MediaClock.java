package dev.parley.client.media;

import dev.parley.nat.transport.TaskScheduler;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * What drives a media session's 20 ms ticks, and its monotonic time in ms. {@link #system()} gives
 * each session a dedicated high-priority thread; {@link #on} ticks on any {@link TaskScheduler}
 * (the virtual time of scenario tests), so a whole call runs deterministically on one thread.
 */
public interface MediaClock {
    /** @return monotonic time, ms */
    long nowMs();

    /**
     * Starts calling {@code tick} every {@code periodMs} at a fixed rate (each tick scheduled from the
     * start time, not the previous tick's end: drift-free), the first one now.
     *
     * @param name names the thread, where there is one
     * @return the running ticker
     */
    Ticker start(String name, long periodMs, Runnable tick);

    /** A running series of ticks. */
    interface Ticker {
        /** Stops the ticks, waiting (bounded) for a running one unless called from it. Idempotent. */
        void stop();
    }

    /** @return the system's monotonic clock, with one dedicated daemon thread per started ticker */
    static MediaClock system() {
        return SystemMediaClock.INSTANCE;
    }

    /**
     * @param scheduler runs the ticks (tasks must not overlap: one thread)
     * @param nowMs its time, ms
     * @return a clock that ticks on {@code scheduler}
     */
    static MediaClock on(TaskScheduler scheduler, LongSupplier nowMs) {
        Objects.requireNonNull(scheduler, "scheduler");
        Objects.requireNonNull(nowMs, "nowMs");
        return new MediaClock() {
            @Override
            public long nowMs() {
                return nowMs.getAsLong();
            }

            @Override
            public Ticker start(String name, long periodMs, Runnable tick) {
                return new ScheduledTicker(scheduler, nowMs, periodMs, tick);
            }
        };
    }
}
