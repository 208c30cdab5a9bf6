package dev.parley.client.call;

import dev.parley.client.media.MediaConfig;
import dev.parley.client.media.MediaSession;
import dev.parley.nat.transport.TaskScheduler;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.InstantSource;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.random.RandomGenerator;

/**
 * What the call engine runs on: the one thread that owns every call's state, time, randomness and
 * the way media sessions are opened. {@link #system} is production (an executor thread, the system
 * clocks, real UDP sockets); scenario tests pass virtual time and the simulated network, so a whole
 * call runs deterministically on one thread.
 *
 * @param scheduler the call engine's thread: every call-state task and timer runs there
 * @param nowMs monotonic time, ms (setup times, timeouts, the media watchdog)
 * @param wallClock wall time (credential expiry, ICE timings)
 * @param random call ids, SSRCs and ICE credentials
 * @param media opens a call's media session (socket, codec, clock)
 */
public record CallRuntime(TaskScheduler scheduler, LongSupplier nowMs, InstantSource wallClock, RandomGenerator random,
        MediaOpener media) {
    /** Opens the media session of a call (off any network event loop). */
    @FunctionalInterface
    public interface MediaOpener {
        /** @throws IOException if the media socket cannot be bound */
        MediaSession open(MediaConfig config) throws IOException;
    }

    /** Compact constructor: all parts are required. */
    public CallRuntime {
        Objects.requireNonNull(scheduler, "scheduler");
        Objects.requireNonNull(nowMs, "nowMs");
        Objects.requireNonNull(wallClock, "wallClock");
        Objects.requireNonNull(random, "random");
        Objects.requireNonNull(media, "media");
    }

    /**
     * Production: tasks on {@code loop} (a single thread that is not a network event loop: opening
     * sockets and WAV files happens there), {@code System.nanoTime()}, UDP media sockets bound to
     * {@code mediaBind} with the system media clock.
     */
    public static CallRuntime system(ScheduledExecutorService loop, InstantSource wallClock, RandomGenerator random,
            InetSocketAddress mediaBind) {
        return new CallRuntime(onExecutor(loop), () -> System.nanoTime() / 1_000_000, wallClock, random,
                config -> MediaSession.open(config, mediaBind));
    }

    /** @return the scheduler as an {@link Executor}, for futures' async stages */
    Executor executor() {
        return scheduler::execute;
    }

    /** @return a scheduler whose tasks run on {@code loop}; {@code execute} always queues (no re-entrance) */
    static TaskScheduler onExecutor(ScheduledExecutorService loop) {
        return new TaskScheduler() {
            @Override
            public Cancellable schedule(Runnable task, long delayMs) {
                var f = loop.schedule(task, Math.max(0, delayMs), TimeUnit.MILLISECONDS);
                return () -> f.cancel(false);
            }

            @Override
            public void execute(Runnable task) {
                loop.execute(task);
            }
        };
    }
}
