package dev.parley.supernode;

import dev.parley.protocol.HostPort;
import dev.parley.protocol.ProtocolException;
import dev.parley.protocol.wire.PeerLookupResult;
import io.netty.channel.EventLoop;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;

/**
 * The mesh as the search ({@link UserLocator}) sees it: whom it may ask, and a way to ask. The
 * peer table, digests and transport stay behind it ({@link Mesh} is the real one; tests drive the
 * search through a fake).
 */
interface MeshPort {
    /** @return the event loop that owns every search's state and runs its timers; lookups complete on it */
    EventLoop loop();

    /** @return the loop's monotonic time in nanoseconds (wave timing and lookup RTTs) */
    long nanoTime();

    /**
     * The peers a search for {@code username} may ask, and what their digests say about the user.
     * Call on {@link #loop()}.
     *
     * @param username canonical username searched
     * @return the live peers, then the suspected ones (missed pings, not yet given up), each in
     *     table order; never this super node
     */
    List<MeshCandidate> candidates(String username);

    /**
     * Asks a peer whether {@code username} is registered there (UDP {@code PeerLookup}). Any
     * answer also counts as the peer's proof of life and renews or ends its digest's lease: that
     * is the mesh's business, done before the result completes.
     *
     * @param peer a candidate's address
     * @param username canonical username
     * @param timeoutMs how long to wait in all
     * @param retransmitAfterMs send one more copy after this long if still unanswered (0: never)
     * @return the answer, completing on {@link #loop()} (an answer of another type reads as "not
     *     found"); exceptionally {@link TimeoutException}, {@link ProtocolException} (error answer)
     *     or {@link IOException} (mesh closed)
     */
    CompletableFuture<PeerLookupResult> lookup(HostPort peer, String username, long timeoutMs, long retransmitAfterMs);

    /**
     * A client registering here says its connection to {@code superNode} dropped: a hint to check
     * that peer ({@link DeathWatch#clientLost}); nothing is believed on the client's word alone.
     */
    default void clientLost(HostPort superNode) {
    }
}
