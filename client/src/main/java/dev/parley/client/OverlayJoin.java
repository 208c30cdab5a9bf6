package dev.parley.client;

import dev.parley.protocol.Ed25519KeyPair;
import dev.parley.protocol.HostPort;
import dev.parley.protocol.wire.Candidate;
import dev.parley.protocol.wire.Credential;
import io.netty.channel.EventLoopGroup;
import java.io.IOException;
import java.time.InstantSource;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
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
     * the first {@link #PARALLEL_JOIN_ATTEMPTS} are tried at once, then the next batch, and so on.
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
        List<HostPort> batch = superNodes.subList(0, Math.min(PARALLEL_JOIN_ATTEMPTS, superNodes.size()));
        List<HostPort> rest = superNodes.subList(batch.size(), superNodes.size());
        CompletableFuture<SuperNodeSession> winner = new CompletableFuture<>();
        AtomicInteger failed = new AtomicInteger();
        AtomicBoolean decided = new AtomicBoolean();
        for (HostPort sn : batch) {
            long startNanos = System.nanoTime();
            SuperNodeSession.register(group, sn, loginKey, credential, identity, candidates, signals, clock, lostSuperNode).whenComplete((session, e) -> {
                if (e == null) {
                    observer.succeeded(sn, (System.nanoTime() - startNanos) / 1_000_000);
                } else {
                    observer.failed(sn);
                }
                if (e == null) {
                    if (decided.compareAndSet(false, true)) {
                        winner.complete(session);
                    } else {
                        session.close(); // lost the race
                    }
                    return;
                }
                if (failed.incrementAndGet() < batch.size()) {
                    return; // others of this batch may still succeed
                }
                if (decided.compareAndSet(false, true)) {
                    if (rest.isEmpty()) {
                        winner.completeExceptionally(e);
                    } else {
                        join(group, rest, loginKey, credential, identity, candidates, signals, clock, observer, lostSuperNode)
                                .whenComplete((s, e2) -> {
                                    if (e2 == null) {
                                        winner.complete(s);
                                    } else {
                                        winner.completeExceptionally(e2);
                                    }
                                });
                    }
                }
            });
        }
        return winner;
    }

}
