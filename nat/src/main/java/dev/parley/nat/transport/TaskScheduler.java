package dev.parley.nat.transport;

import io.netty.channel.EventLoop;

/**
 * Timers for retransmissions, pacing and consent (injected so tests run on virtual time). Tasks
 * run on the owner's single thread: a Netty event loop in production ({@link UdpEndpoint#scheduler()}).
 */
public interface TaskScheduler {
    /** A scheduled task that can be cancelled. */
    @FunctionalInterface
    interface Cancellable {
        /** Cancels the task if it has not run; idempotent. */
        void cancel();
    }

    /**
     * @param task what to run
     * @param delayMs delay in milliseconds, >= 0
     * @return a handle to cancel it
     */
    Cancellable schedule(Runnable task, long delayMs);

    /** Runs the task on the owner's thread, as soon as possible (directly if already on it). */
    void execute(Runnable task);

    /**
     * @param loop the event loop that owns the tasks' state
     * @return timers and execution on {@code loop}; {@link #execute} runs inline when already on it
     */
    static TaskScheduler onEventLoop(EventLoop loop) {
        return new EventLoopScheduler(loop);
    }
}
