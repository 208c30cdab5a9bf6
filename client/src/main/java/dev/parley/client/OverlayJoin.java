package dev.parley.client;

import dev.parley.protocol.Ed25519KeyPair;
import dev.parley.protocol.HostPort;
import dev.parley.protocol.wire.Candidate;
import dev.parley.protocol.wire.Credential;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.EventExecutor;
import java.io.IOException;
import java.time.InstantSource;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * Joining the overlay: registering with the first of several super nodes (from the host cache or
 * the login server) to accept, a few at once (docs/architecture.md "Joining and healing").
 */
public final class OverlayJoin {
    /** How many host-cache entries are tried at once when joining. */
    public static final int PARALLEL_JOIN_ATTEMPTS = 3;

    private OverlayJoin() {}

    /** Learns how each join attempt went (for host-cache scoring); called on network threads. */
    public interface JoinObserver {
        /** Ignores everything. */
        JoinObserver NONE = new JoinObserver() {
            @Override
            public void succeeded(HostPort superNode, long rttMs) {}

            @Override
            public void failed(HostPort superNode) {}
        };

        /** @param rttMs time from connecting to {@code Registered}, in ms */
        void succeeded(HostPort superNode, long rttMs);

        void failed(HostPort superNode);
    }

    /**
     * Joins the overlay through the first of several super nodes to accept the registration (each
     * checked as {@link SuperNodeSession#register} does: an untrusted one counts as a failure, the next is tried);
     * up to {@link #PARALLEL_JOIN_ATTEMPTS} are tried at once, in order, and each one that fails
     * starts the next at once (a stalling super node holds one place until its timeouts, not the join).
     * Every attempt is reported to {@code observer} (a session that lost the race still counts as a success).
     *
     * @param superNodes candidates, best first (e.g. {@link HostCache#best(int)})
     * @param loginKey the pinned login server key
     * @param clock time for the certificate checks and the presence signature
     * @return completes with the first registered session, or exceptionally with the last failure
     */
    public static CompletableFuture<SuperNodeSession> join(EventLoopGroup group, List<HostPort> superNodes,
            byte[] loginKey, Credential credential, Ed25519KeyPair identity, List<Candidate> candidates,
            SuperNodePushes signals, InstantSource clock, JoinObserver observer) {
        return join(group, superNodes, loginKey, credential, identity, candidates, signals, clock, observer, null);
    }

    /** As above, for a rejoin after losing {@code lostSuperNode} (see {@link SuperNodeSession#register}). */
    public static CompletableFuture<SuperNodeSession> join(EventLoopGroup group, List<HostPort> superNodes,
            byte[] loginKey, Credential credential, Ed25519KeyPair identity, List<Candidate> candidates,
            SuperNodePushes signals, InstantSource clock, JoinObserver observer, @Nullable HostPort lostSuperNode) {
        if (superNodes.isEmpty()) {
            return CompletableFuture.failedFuture(new IOException("no super node known: log in to the login server first"));
        }
        return new Race(group.next(), List.copyOf(superNodes), observer, sn -> SuperNodeSession.register(group, sn,
                loginKey, credential, identity, candidates, signals, clock, lostSuperNode)).start();
    }

    /**
     * The attempts of one join, {@link #PARALLEL_JOIN_ATTEMPTS} in flight: each one that fails makes
     * room for the next candidate at once, so a super node that stalls (accepts, then says nothing
     * until its timeout) holds one place, not the join. State on one executor.
     */
    private static final class Race {
        private final EventExecutor owner;
        private final List<HostPort> superNodes;
        private final JoinObserver observer;
        private final Function<HostPort, CompletableFuture<SuperNodeSession>> attempt;
        private final CompletableFuture<SuperNodeSession> winner = new CompletableFuture<>();
        private int next; // owner only
        private int inFlight; // owner only
        private @Nullable Throwable lastFailure; // owner only

        Race(EventExecutor owner, List<HostPort> superNodes, JoinObserver observer,
                Function<HostPort, CompletableFuture<SuperNodeSession>> attempt) {
            this.owner = owner;
            this.superNodes = superNodes;
            this.observer = observer;
            this.attempt = attempt;
        }

        CompletableFuture<SuperNodeSession> start() {
            onOwner(this::fill, null);
            return winner;
        }

        /** Starts attempts until {@link #PARALLEL_JOIN_ATTEMPTS} are in flight or no candidate is left. */
        private void fill() {
            while (!winner.isDone() && inFlight < PARALLEL_JOIN_ATTEMPTS && next < superNodes.size()) {
                HostPort sn = superNodes.get(next++);
                inFlight++;
                long startNanos = System.nanoTime();
                attempt.apply(sn).whenComplete((session, e) -> {
                    if (e == null) {
                        observer.succeeded(sn, (System.nanoTime() - startNanos) / 1_000_000);
                    } else {
                        observer.failed(sn);
                    }
                    onOwner(() -> finished(session, e), session);
                });
            }
            if (inFlight == 0 && !winner.isDone()) {
                winner.completeExceptionally(lastFailure); // every candidate failed
            }
        }

        private void finished(@Nullable SuperNodeSession session, @Nullable Throwable e) {
            inFlight--;
            if (e == null) {
                if (!winner.complete(session)) {
                    session.close(); // lost the race
                }
                return;
            }
            lastFailure = e;
            fill();
        }

        private void onOwner(Runnable task, @Nullable SuperNodeSession session) {
            try {
                owner.execute(task);
            } catch (RejectedExecutionException shuttingDown) {
                if (session != null) {
                    session.close();
                }
                winner.completeExceptionally(new IOException("client closed while joining the overlay", shuttingDown));
            }
        }
    }
}
