package dev.parley.client;

import dev.parley.protocol.Futures;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * A request to the client's super node that survives the loss of that super node: when the
 * connection fails before the answer (the super node died or dropped us), the request is sent once
 * more on the session the client rejoined with, if it rejoins within a bound. A user asking for a
 * search expects it to work, not to learn that a super node they never chose went away
 * (docs/architecture.md "Seamless change"). Errors the super node answered (a
 * {@link dev.parley.protocol.ProtocolException}: rate limit, bad name) are not retried.
 */
public final class RetryAfterLoss {
    /** How long a request waits for the client to rejoin after losing its super node (rejoins take about 1 s). */
    public static final Duration DEFAULT_WAIT = Duration.ofSeconds(5);

    private RetryAfterLoss() {
    }

    /** Where a client's next session comes from. */
    @FunctionalInterface
    public interface Sessions {
        /**
         * @param lost the session whose connection failed (null: any live session)
         * @return completes with a live session other than {@code lost} once there is one (at once
         *     if there is); it may never complete (the caller bounds the wait)
         */
        CompletableFuture<SuperNodeSession> after(@Nullable SuperNodeSession lost);
    }

    /**
     * @return completes with the live session, or the next one if the client is rejoining; fails
     *     with an {@link IOException} if none comes within {@code wait}
     */
    public static CompletableFuture<SuperNodeSession> firstSession(Sessions sessions, Duration wait) {
        return sessions.after(null).copy().orTimeout(wait.toMillis(), TimeUnit.MILLISECONDS).exceptionallyCompose(e ->
                CompletableFuture.failedFuture(new IOException("not connected to a super node (rejoining the overlay for "
                        + wait.toMillis() + " ms)")));
    }

    /**
     * @param session the session to send on first
     * @param request sends the request on a session
     * @param sessions the sessions to come
     * @param wait how long to wait for another session after a connection failure
     * @return completes as the request on {@code session} does, unless that fails with an
     *     {@link IOException} (the connection): then as the request on the next session; with the
     *     first failure if no session comes within {@code wait}
     */
    public static <T> CompletableFuture<T> request(SuperNodeSession session, Function<SuperNodeSession, CompletableFuture<T>> request,
            Sessions sessions, Duration wait) {
        return request.apply(session).handle((r, e) -> {
            if (e == null) {
                return CompletableFuture.completedFuture(r);
            }
            if (!(Futures.unwrap(e) instanceof IOException)) {
                return CompletableFuture.<T>failedFuture(e);
            }
            return sessions.after(session).copy().orTimeout(wait.toMillis(), TimeUnit.MILLISECONDS) // a copy: the future may be shared
                    .handle((next, waitFailed) -> next == null ? CompletableFuture.<T>failedFuture(e) : request.apply(next))
                    .thenCompose(Function.identity());
        }).thenCompose(Function.identity());
    }
}
