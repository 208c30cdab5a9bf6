package dev.parley.supernode;

import dev.parley.protocol.HostPort;
import dev.parley.protocol.wire.PeerLookupResult;
import io.netty.channel.EventLoop;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A {@link MeshPort} for driving {@link UserLocator} without sockets: the candidates are set by
 * the test, lookups wait until the test answers them, and the loop is an EmbeddedChannel's, whose
 * time moves only in {@link #advance}. Single-threaded: everything runs on the test's thread.
 */
final class FakeMeshPort implements MeshPort {
    /** One lookup the search sent. */
    record Lookup(HostPort peer, String username, long timeoutMs, CompletableFuture<PeerLookupResult> answer,
            long retransmitAfterMs) {}

    private final EmbeddedChannel loopOwner = new EmbeddedChannel();

    {
        loopOwner.freezeTime(); // otherwise real time also runs the timers: a busy machine fired waves early
    }
    private long nanos;
    List<MeshCandidate> candidates = List.of();
    final List<Lookup> sent = new ArrayList<>();

    @Override
    public EventLoop loop() {
        return loopOwner.eventLoop();
    }

    @Override
    public long nanoTime() {
        return nanos;
    }

    @Override
    public List<MeshCandidate> candidates(String username) {
        return new ArrayList<>(candidates);
    }

    @Override
    public CompletableFuture<PeerLookupResult> lookup(HostPort peer, String username, long timeoutMs,
            long retransmitAfterMs) {
        Lookup l = new Lookup(peer, username, timeoutMs, new CompletableFuture<>(), retransmitAfterMs);
        sent.add(l);
        return l.answer();
    }

    /** Runs the tasks handed to the loop (a search starts this way). */
    void runTasks() {
        loopOwner.runPendingTasks();
    }

    /** Moves the loop's time on and runs the timers that became due. */
    void advance(long millis) {
        nanos += TimeUnit.MILLISECONDS.toNanos(millis);
        loopOwner.advanceTimeBy(millis, TimeUnit.MILLISECONDS);
        loopOwner.runScheduledPendingTasks();
        loopOwner.runPendingTasks();
    }

    /** @return the peers asked so far, in order */
    List<HostPort> asked() {
        return sent.stream().map(Lookup::peer).toList();
    }

    /** @return the lookup sent to {@code peer} */
    Lookup to(HostPort peer) {
        return sent.stream().filter(l -> l.peer().equals(peer)).findFirst().orElseThrow();
    }

    void close() {
        loopOwner.finishAndReleaseAll();
    }
}
