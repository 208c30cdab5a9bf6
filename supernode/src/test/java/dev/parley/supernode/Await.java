package dev.parley.supernode;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/** Polls a condition until a deadline: for state that has no future to wait on. */
final class Await {
    static final Duration TIMEOUT = Duration.ofSeconds(10);

    private Await() {}

    /** A condition that may throw (e.g. a search over the network); a throw fails the wait. */
    interface Condition {
        boolean get() throws Exception;
    }

    static void until(String what, Condition condition) throws Exception {
        until(what, TIMEOUT, condition);
    }

    /** As {@link #until(String, Condition)} with the given deadline (a target the test asserts). */
    static void until(String what, Duration timeout, Condition condition) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.get()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + timeout.toMillis() + " ms waiting for: " + what);
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
        }
    }
}
