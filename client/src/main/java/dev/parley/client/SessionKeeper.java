package dev.parley.client;

import dev.parley.protocol.Futures;
import dev.parley.protocol.HostPort;
import dev.parley.protocol.ProtocolException;
import dev.parley.protocol.wire.ErrorCode;
import io.netty.channel.EventLoopGroup;
import java.io.IOException;
import java.util.ArrayList;
import java.security.SecureRandom;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the client joined to the overlay (design flow 2). Holds the current super-node session;
 * when its connection closes (the super node died, or dropped us) it rejoins through the host
 * cache (the best {@link OverlayJoin#PARALLEL_JOIN_ATTEMPTS} at once), the lost super node
 * tried last and named to the new one ({@code Register.lost_super_node}: it checks the lost one and
 * tells the mesh if it is dead), retrying after 250 ms, 500 ms, … up to 2 s between attempts, each
 * jittered to 50–100 % so that the clients of a dead super node spread out, and gives up ({@link #gaveUp()}) after {@code giveUpMs} without a session, or at once
 * when a super node refuses the credential as expired (it was not renewed), or when the same account
 * signed in elsewhere and replaced this session (that client wins: no fight). Calls in
 * progress learn about the loss through the {@link Listener} (docs/nat.md "Path failover").
 * Thread-safe: state changes happen on one of the client's I/O loops.
 */
final class SessionKeeper implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SessionKeeper.class);
    static final long FIRST_RETRY_MS = 250;
    static final long MAX_RETRY_MS = 2000;

    /** Joins the overlay through super nodes, best first; {@code lost} is the super node just lost, if any. */
    @FunctionalInterface
    interface Joiner {
        CompletableFuture<SuperNodeSession> join(List<HostPort> via, @Nullable HostPort lost);
    }

    /** Learns about session changes; called on an I/O thread (hand off, don't block). */
    interface Listener {
        /** The session with {@code superNode} closed; a rejoin is under way. */
        void lost(HostPort superNode);

        /** Registered again, with {@code superNode}. */
        void rejoined(HostPort superNode);
    }

    private final EventLoopGroup io;
    private final Joiner join;
    private final SplittableRandom jitter;
    private final Supplier<List<HostPort>> hostCache;
    private final long giveUpMs;
    private final CompletableFuture<Void> gaveUp = new CompletableFuture<>();
    private volatile Listener listener = new Listener() {
        @Override
        public void lost(HostPort superNode) {}

        @Override
        public void rejoined(HostPort superNode) {}
    };
    private volatile @Nullable SuperNodeSession current;
    /** Completes with the next session adopted (a rejoin or a move), then replaced; failed on close. */
    private volatile CompletableFuture<SuperNodeSession> next = new CompletableFuture<>();
    private volatile HostPort last;
    private volatile boolean closed;
    private volatile @Nullable DeviceHome home;

    /**
     * @param first the session from the initial join
     * @param join joins through the given super nodes, best first (e.g. {@link OverlayJoin#join})
     * @param hostCache the host cache's entries, best first
     * @param giveUpMs how long to keep trying without a session before {@link #gaveUp()} completes
     */
    SessionKeeper(EventLoopGroup io, SuperNodeSession first, Joiner join, Supplier<List<HostPort>> hostCache, long giveUpMs) {
        this(io, first, join, hostCache, giveUpMs, new SplittableRandom(new SecureRandom().nextLong()));
    }

    /** As above, with the source of the back-off jitter (seeded in tests). */
    SessionKeeper(EventLoopGroup io, SuperNodeSession first, Joiner join, Supplier<List<HostPort>> hostCache, long giveUpMs,
            SplittableRandom jitter) {
        this.io = io;
        this.join = join;
        this.jitter = jitter;
        this.hostCache = hostCache;
        this.giveUpMs = giveUpMs;
        adopt(first);
    }

    void listener(Listener listener) {
        this.listener = listener;
    }

    /** @return the live session (none while rejoining) */
    @Nullable SuperNodeSession session() {
        SuperNodeSession s = current;
        return s != null && s.isActive() ? s : null;
    }

    /** @return the live session, or a failed future (IOException) while rejoining */
    CompletableFuture<SuperNodeSession> require() {
        SuperNodeSession s = session();
        return s != null ? CompletableFuture.completedFuture(s)
                : CompletableFuture.failedFuture(new IOException("not connected to a super node (rejoining the overlay)"));
    }

    /**
     * @param lost a session whose connection failed, or null
     * @return completes with a live session other than {@code lost}: the current one at once, else
     *     the next one the client rejoins with (never, if it gives up; fails when closed). Callers
     *     bound the wait, on a {@link CompletableFuture#copy()} (the future is shared)
     */
    CompletableFuture<SuperNodeSession> sessionAfter(@Nullable SuperNodeSession lost) {
        CompletableFuture<SuperNodeSession> upcoming = next; // before reading the session: an adopt in between completes it
        SuperNodeSession s = session();
        return s != null && s != lost ? CompletableFuture.completedFuture(s) : upcoming;
    }

    /** Makes {@code session} the current one and hands it to those waiting for the next session. */
    private void install(SuperNodeSession session, HostPort at) {
        current = session;
        last = at;
        CompletableFuture<SuperNodeSession> waiting = next;
        next = new CompletableFuture<>();
        waiting.complete(session);
    }

    /** @return the super node of the current session, or of the last one while rejoining */
    HostPort superNode() {
        return last;
    }

    /** @return completes when rejoining was given up (or the keeper was closed) */
    CompletableFuture<Void> gaveUp() {
        return gaveUp;
    }

    /**
     * Moves to the super node this account's other devices are on, now and after every rejoin
     * ({@link DeviceHome}; docs/protocol.md "Several devices").
     */
    void colocate(DeviceHome finder) {
        this.home = finder;
        SuperNodeSession s = current;
        if (s != null) {
            findHome(s);
        }
    }

    private void findHome(SuperNodeSession from) {
        DeviceHome finder = home;
        if (finder == null || closed) {
            return;
        }
        finder.target(from).thenAccept(target -> {
            if (target == null || closed || current != from) {
                return;
            }
            join.join(List.of(target), null).whenComplete((moved, e) -> {
                if (e != null) {
                    log.info("staying with super node {}: joining {}, where this account's other devices are, failed: {}",
                            from.superNode(), target, e.getMessage());
                    return;
                }
                if (closed || current != from) {
                    moved.close();
                    return;
                }
                log.info("moved from super node {} to {}, where this account's other devices are", from.superNode(), target);
                install(moved, target); // before the old one closes: its close is not a loss
                watch(moved);
                from.close();
                listener.rejoined(target);
            });
        });
    }

    private void adopt(SuperNodeSession session) {
        install(session, session.superNode());
        watch(session);
        findHome(session);
    }

    /** Rejoins when {@code session} closes while it is the current one (unless it was displaced). */
    private void watch(SuperNodeSession session) {
        session.closeFuture().thenRun(() -> {
            if (closed || current != session) {
                return;
            }
            current = null;
            listener.lost(session.superNode());
            String displaced = session.displaced().getNow(null);
            if (displaced != null) {
                // The same account signed in elsewhere: that client wins. Rejoining would displace it
                // in turn, and the two would fight for the session without end.
                log.warn("super node {}: {}; leaving the overlay (this client does not rejoin)", session.superNode(),
                        displaced);
                gaveUp.complete(null);
                return;
            }
            log.warn("lost super node {}; rejoining the overlay", session.superNode());
            rejoin(session.superNode(), System.nanoTime(), FIRST_RETRY_MS);
        });
    }

    private void rejoin(HostPort lost, long sinceNanos, long backoffMs) {
        if (closed) {
            return;
        }
        List<HostPort> candidates = new ArrayList<>(hostCache.get());
        candidates.remove(lost);
        candidates.add(lost); // last: it may come back, but others are likelier to be alive
        join.join(candidates, lost).whenComplete((session, e) -> {
            if (closed) {
                if (session != null) {
                    session.close();
                }
                return;
            }
            if (e == null) {
                log.info("rejoined the overlay through super node {}", session.superNode());
                adopt(session);
                listener.rejoined(session.superNode());
                return;
            }
            if (Futures.unwrap(e) instanceof ProtocolException pe && pe.code() == ErrorCode.EXPIRED_CREDENTIAL) {
                log.warn("credential expired and not renewed; leaving the overlay: {}", pe.getMessage());
                gaveUp.complete(null);
                return;
            }
            long waitedMs = (System.nanoTime() - sinceNanos) / 1_000_000;
            if (waitedMs >= giveUpMs) {
                log.warn("no super node reachable for {} ms; giving up: {}", waitedMs, e.getMessage());
                gaveUp.complete(null);
                return;
            }
            // Jittered (50–100 % of the back-off): the clients of a dead super node do not retry in step.
            long waitMs = backoffMs / 2 + jitterMs(backoffMs / 2);
            io.next().schedule(() -> rejoin(lost, sinceNanos, Math.min(MAX_RETRY_MS, backoffMs * 2)), waitMs,
                    TimeUnit.MILLISECONDS);
        });
    }

    private long jitterMs(long boundMs) {
        synchronized (jitter) { // rejoins of one keeper run one at a time, but on any I/O thread
            return boundMs <= 0 ? 0 : jitter.nextLong(boundMs + 1);
        }
    }

    @Override
    public void close() {
        closed = true;
        SuperNodeSession s = current;
        if (s != null) {
            s.close();
        }
        next.completeExceptionally(new IOException("client closed"));
        gaveUp.complete(null);
    }
}
