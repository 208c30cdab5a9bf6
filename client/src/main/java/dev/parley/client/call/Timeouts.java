package dev.parley.client.call;

import dev.parley.nat.transport.TaskScheduler;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;

/** Timeouts on the call engine's own scheduler, so that they follow virtual time in scenario tests. */
final class Timeouts {
    private Timeouts() {}

    /**
     * @return {@code future}, completed exceptionally with {@link TimeoutException} if it has not
     *     completed within {@code timeoutMs} on {@code scheduler}'s clock
     */
    static <T> CompletableFuture<T> within(CompletableFuture<T> future, long timeoutMs, TaskScheduler scheduler) {
        TaskScheduler.Cancellable timer = scheduler.schedule(
                () -> future.completeExceptionally(new TimeoutException("no answer within " + timeoutMs + " ms")), timeoutMs);
        future.whenComplete((v, e) -> timer.cancel());
        return future;
    }
}
