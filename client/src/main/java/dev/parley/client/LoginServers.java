package dev.parley.client;

import dev.parley.protocol.Futures;
import dev.parley.protocol.HostPort;
import dev.parley.protocol.ProtocolException;
import dev.parley.protocol.tls.HandshakeFailedException;
import dev.parley.protocol.wire.ErrorCode;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Failover over several login servers sharing one database and signing key (docs/operations.md
 * "Scale-out"): a request goes to the first, and to the next when one is unreachable or answers
 * that it cannot serve now (RATE_LIMITED, INTERNAL, e.g. its database is down). A refusal (wrong
 * password, disabled account, …) is the same on every one of them and is final, and so is a login
 * server that is not the pinned one ({@link HandshakeFailedException}): no other is asked.
 */
final class LoginServers {
    private static final Logger log = LoggerFactory.getLogger(LoginServers.class);

    private LoginServers() {}

    /**
     * @param servers login servers in the order to try them (at least one)
     * @param request sends the request to one of them
     * @return the first answer, or the last failure once every server failed (or a final refusal)
     */
    static <T> CompletableFuture<T> inOrder(List<HostPort> servers, Function<HostPort, CompletableFuture<T>> request) {
        if (servers.isEmpty()) {
            throw new IllegalArgumentException("servers: none (expected: at least one login server)");
        }
        return from(servers, 0, request);
    }

    private static <T> CompletableFuture<T> from(List<HostPort> servers, int i, Function<HostPort, CompletableFuture<T>> request) {
        return request.apply(servers.get(i)).handle((result, e) -> {
            if (e == null) {
                return CompletableFuture.completedFuture(result);
            }
            Throwable cause = Futures.unwrap(e);
            if (i + 1 < servers.size() && failsOver(cause)) {
                log.info("login server {} failed ({}); trying {}", servers.get(i), cause.getMessage(), servers.get(i + 1));
                return from(servers, i + 1, request);
            }
            return CompletableFuture.<T>failedFuture(cause);
        }).thenCompose(f -> f);
    }

    /** @return whether another login server may succeed where one failed with {@code cause} */
    static boolean failsOver(Throwable cause) {
        if (cause instanceof HandshakeFailedException) {
            return false; // an impostor (or a misconfigured key): say so rather than look elsewhere
        }
        if (cause instanceof ProtocolException pe) {
            return pe.code() == ErrorCode.RATE_LIMITED || pe.code() == ErrorCode.INTERNAL;
        }
        return true; // unreachable, reset, timed out
    }
}
