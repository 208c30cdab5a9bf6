package dev.parley.client.media;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@link MediaClock#system()}: {@code System.nanoTime()}, and one high-priority daemon thread per ticker. */
final class SystemMediaClock implements MediaClock {
    static final SystemMediaClock INSTANCE = new SystemMediaClock();

    private SystemMediaClock() {}

    @Override
    public long nowMs() {
        return System.nanoTime() / 1_000_000;
    }

    @Override
    public Ticker start(String name, long periodMs, Runnable tick) {
        return new ThreadTicker(name, periodMs, tick);
    }

    /** Ticks at a fixed rate on its own thread. */
    private static final class ThreadTicker implements Ticker {
        private static final Logger log = LoggerFactory.getLogger(ThreadTicker.class);
        private static final long STOP_WAIT_MS = 2000;
        private final String name;
        private final ScheduledExecutorService executor;
        private volatile Thread thread;

        ThreadTicker(String name, long periodMs, Runnable tick) {
            this.name = name;
            this.executor = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, name);
                t.setDaemon(true);
                t.setPriority(Thread.MAX_PRIORITY);
                thread = t;
                return t;
            });
            executor.scheduleAtFixedRate(tick, 0, periodMs, TimeUnit.MILLISECONDS);
        }

        @Override
        public void stop() {
            // shutdown() drops the periodic task without interrupting a running tick: an interrupt
            // would close an interruptible sink channel (e.g. a WAV file) mid-write.
            executor.shutdown();
            if (Thread.currentThread() == thread) {
                return;
            }
            try {
                if (!executor.awaitTermination(STOP_WAIT_MS, TimeUnit.MILLISECONDS)) {
                    log.warn("media clock {} did not stop within {} ms", name, STOP_WAIT_MS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
