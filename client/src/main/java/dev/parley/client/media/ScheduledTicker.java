package dev.parley.client.media;

import dev.parley.nat.transport.TaskScheduler;
import java.util.function.LongSupplier;

/**
 * {@link MediaClock.Ticker} on a {@link TaskScheduler}: tick {@code n} is due at start + n × period
 * (drift-free: a late tick does not delay the ones after it). State confined to the scheduler's thread.
 */
final class ScheduledTicker implements MediaClock.Ticker {
    private final TaskScheduler scheduler;
    private final LongSupplier nowMs;
    private final long periodMs;
    private final Runnable tick;
    private final long startMs;
    private long ticks;
    private boolean stopped;
    private TaskScheduler.Cancellable next;

    ScheduledTicker(TaskScheduler scheduler, LongSupplier nowMs, long periodMs, Runnable tick) {
        this.scheduler = scheduler;
        this.nowMs = nowMs;
        this.periodMs = periodMs;
        this.tick = tick;
        this.startMs = nowMs.getAsLong();
        this.next = scheduler.schedule(this::run, 0);
    }

    private void run() {
        if (stopped) {
            return;
        }
        tick.run();
        ticks++;
        next = scheduler.schedule(this::run, Math.max(0, startMs + ticks * periodMs - nowMs.getAsLong()));
    }

    @Override
    public void stop() {
        stopped = true;
        next.cancel();
    }
}
