package dev.parley.nat.sim;

import dev.parley.nat.transport.TaskScheduler;
import java.time.Instant;
import java.time.InstantSource;
import java.util.PriorityQueue;
import java.util.function.BooleanSupplier;

/** Deterministic virtual time: a scheduler and clock in one; tasks run only inside {@link #advance}. */
public final class VirtualTime implements TaskScheduler, InstantSource {
    private record Entry(long atMs, long seq, Runnable task, boolean[] cancelled) {}

    private final PriorityQueue<Entry> queue = new PriorityQueue<>((a, b) ->
            a.atMs != b.atMs ? Long.compare(a.atMs, b.atMs) : Long.compare(a.seq, b.seq));
    private long nowMs;
    private long seq;

    @Override
    public Cancellable schedule(Runnable task, long delayMs) {
        boolean[] cancelled = {false};
        queue.add(new Entry(nowMs + Math.max(0, delayMs), seq++, task, cancelled));
        return () -> cancelled[0] = true;
    }

    @Override
    public void execute(Runnable task) {
        schedule(task, 0);
    }

    /** Runs every task due within the next {@code ms} milliseconds, in time order. */
    public void advance(long ms) {
        long end = nowMs + ms;
        while (!queue.isEmpty() && queue.peek().atMs <= end) {
            Entry e = queue.poll();
            nowMs = e.atMs;
            if (!e.cancelled[0]) {
                e.task.run();
            }
        }
        nowMs = end;
    }

    /** Advances in steps until the condition holds or {@code maxMs} passed; @return true if it holds. */
    public boolean runUntil(BooleanSupplier condition, long maxMs) {
        long end = nowMs + maxMs;
        while (!condition.getAsBoolean() && nowMs < end) {
            advance(1);
        }
        return condition.getAsBoolean();
    }

    /** @return virtual milliseconds since the start */
    public long nowMs() {
        return nowMs;
    }

    @Override
    public Instant instant() {
        return Instant.ofEpochMilli(nowMs);
    }

    @Override
    public long millis() {
        return nowMs;
    }
}
