package dev.parley.supernode;

import dev.parley.protocol.HostPort;
import dev.parley.protocol.PresenceRecords;
import dev.parley.protocol.RateBucket;
import java.time.Duration;
import java.time.InstantSource;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * Finds the super node of a user who is not registered locally: the caches, then an expanding
 * search over the peer super nodes of the mesh, through its narrow {@link MeshPort} (UDP
 * {@code PeerLookup}s).
 *
 * <p>Lookups stay open until the deadline, so an answer arriving after its wave's timeout still
 * wins; after the last wave's timeout the search ends "not found" (not cached if a peer never answered).
 *
 * <p><b>Order.</b> Live peers whose presence digest may contain the user come first (with
 * {@link SearchSettings#useDigests()}), then peers without a digest, then peers whose digest says
 * no but is past its lease (stale: a just-registered user may be missing from it), then peers
 * suspected dead (missed pings, not yet given up), each group shuffled. Peers whose digest is
 * current ({@link DigestSync#current}) and says no are not asked: peers push their digest on every
 * presence change, so that "no" is as good as the peer's answer; except for a user whom a peer
 * suspected dead had ({@link SearchPlan#moving}), or when a peer whose digest may hold the user
 * stays silent for a wave timeout after every other peer was asked (the user may be moving from a
 * peer not yet suspected: {@code widen}). <b>Waves.</b> Wave 1 asks the digest matches (at most
 * {@value #MAX_FIRST_WAVE}) or, without any, 2 peers; wave k > 1 asks the next 2<sup>k</sup>
 * untouched peers. A wave ends when all its peers answered or {@link SearchSettings#waveTimeout()}
 * passed (adapted to the measured lookup RTT; a lookup is retransmitted once, when its wave times out), so a dead or dying peer delays a search by
 * one wave timeout at most. The search ends at the first verified answer, when every peer answered
 * no, or at {@link SearchSettings#deadline()}.
 *
 * <p><b>Trust.</b> An answer counts only if its presence record verifies
 * ({@link PresenceRecords#verify}: login-server credential, user's signature, freshness) for the
 * user searched and names the peer that answered as the user's super node.
 *
 * <p><b>Caches</b> ({@link LocatorCaches}): positive answers for
 * {@link SearchSettings#positiveTtl()}, exhaustive "not found" for {@link SearchSettings#negativeTtl()};
 * both are invalidated on a local presence change and on a peer's {@code PresenceChanged}; positive
 * answers naming a peer suspected dead ({@link DeathWatch}) are dropped at once; of two verified
 * records of a user the one signed last is kept ({@link Location#newer}).
 *
 * <p><b>Rechecks.</b> News that the user's presence changed (a peer's {@code PresenceChanged}:
 * it tells those who asked it about the user) while a search for them runs makes the search ask
 * the peers that answered no once more (at most {@value #MAX_RECHECKS} times): a user rejoining
 * elsewhere after their super node died is found by the search already waiting for them.
 *
 * <p><b>Coalescing.</b> A lookup that may use the caches joins a search for the same user (and the
 * same trust in digests) that is already running instead of starting another, so a burst of
 * searches or call signals for one name costs one search.
 *
 * <p>Search state is confined to the mesh event loop; results complete there.
 */
final class UserLocator {
    /** Most digest matches asked in wave 1. */
    static final int MAX_FIRST_WAVE = 4;
    /** Times one search asks again the peers that answered no, on news that the user's presence changed. */
    static final int MAX_RECHECKS = 2;
    /**
     * Widened searches per second, sustained ({@link LocatorSearch}): widening is for a holder that
     * died unnoticed, and each one asks every held-back peer; under load holders are merely slow,
     * and an unbounded (or 20/s) rate multiplied the lookups until the mesh collapsed
     * (docs/benchmarks.md "Widened searches need a budget").
     */
    static final int WIDENINGS_PER_S = 2;
    /** Widened searches at once, at most: a dead super node's clients searched for together. */
    static final int WIDENINGS_BURST = 20;
    /** How long a verified record's signatures are remembered (freshness is still checked every time). */
    static final Duration VERIFIED_TTL = Duration.ofMinutes(10);

    /** Which cached answers a lookup may use. */
    enum CacheUse { ALL, POSITIVE_ONLY, NONE }

    final MeshPort mesh;
    final SearchSettings settings;
    final LocatorCaches caches;
    final AnswerCheck answers;
    final SplittableRandom random; // mesh loop only
    private final NodeMeters metrics;
    final LookupRtt rtt = new LookupRtt(); // mesh loop only
    final LocatorCounters counters = new LocatorCounters();
    /** The widening budget ({@link #WIDENINGS_PER_S}); mesh loop only. */
    final RateBucket widenings;
    /** Whether searches may widen past silent waves; mesh loop only. */
    final LookupThrottle throttle = new LookupThrottle();
    /** Searches running, by what they look for; mesh loop only (bounded: each ends by its deadline). */
    private final Map<SearchKey, CompletableFuture<SearchOutcome>> running = new HashMap<>();
    /** Searches running, by username; changed on the mesh loop only (bounded: each ends by its deadline). */
    final ConcurrentHashMap<String, List<LocatorSearch>> active = new ConcurrentHashMap<>();
    /** Bumped by every invalidation: a search that saw one does not cache its "not found". */
    final AtomicLong invalidations = new AtomicLong();

    /**
     * @param mesh whom to ask and how (the real {@link Mesh}, or a fake in tests)
     * @param serverKey the login server's public key (none while unknown)
     * @param clock time for record checks and cache expiry
     * @param settings waves, deadline, TTLs
     * @param seed seed of the peer shuffles
     */
    UserLocator(MeshPort mesh, Supplier<byte @Nullable []> serverKey, InstantSource clock, SearchSettings settings, long seed) {
        this(mesh, serverKey, clock, settings, seed, NodeMeters.NONE);
    }

    /** As above, timing each search's outcome in {@code metrics}. */
    UserLocator(MeshPort mesh, Supplier<byte @Nullable []> serverKey, InstantSource clock, SearchSettings settings, long seed,
            NodeMeters metrics) {
        this.metrics = metrics;
        this.mesh = mesh;
        this.settings = settings;
        this.random = new SplittableRandom(seed);
        this.widenings = new RateBucket(WIDENINGS_PER_S, WIDENINGS_BURST, mesh.nanoTime() / 1_000_000);
        this.caches = new LocatorCaches(settings, clock);
        this.answers = new AnswerCheck(serverKey, clock, settings, LocatorCaches.cache(VERIFIED_TTL.toNanos(), clock));
    }

    /**
     * Looks up a user on peer super nodes.
     *
     * @param username canonical username, not registered locally
     * @param use which cached answers may be used
     * @return never fails; "not found" when no peer has the user or the deadline passed
     */
    CompletableFuture<SearchOutcome> locate(String username, CacheUse use) {
        return locate(username, use, true);
    }

    /**
     * As {@link #locate(String, CacheUse)}; with {@code trustDigestNo} false every live peer may be
     * asked, current digests only order them. For call signals: a user who logged in less than a
     * digest push ago (up to a second in bursts) is missing from current digests, and a call must
     * still reach them; signals are few, so the extra lookups cost little.
     */
    CompletableFuture<SearchOutcome> locate(String username, CacheUse use, boolean trustDigestNo) {
        long startNanos = System.nanoTime();
        CompletableFuture<SearchOutcome> outcome = search(username, use, trustDigestNo);
        outcome.thenAccept(o -> metrics.searched(o, System.nanoTime() - startNanos));
        return outcome;
    }

    private CompletableFuture<SearchOutcome> search(String username, CacheUse use, boolean trustDigestNo) {
        counters.searches.increment();
        if (use != CacheUse.NONE) {
            Location hit = caches.found(username);
            if (hit != null) {
                counters.cacheHits.increment();
                return CompletableFuture.completedFuture(new SearchOutcome(Optional.of(hit.asCached()), 0, true));
            }
            if (use == CacheUse.ALL && caches.notFound(username)) {
                counters.cacheHits.increment();
                return CompletableFuture.completedFuture(new SearchOutcome(Optional.empty(), 0, true));
            }
        }
        CompletableFuture<SearchOutcome> result = new CompletableFuture<>();
        try {
            mesh.loop().execute(() -> start(new SearchKey(username, trustDigestNo), use != CacheUse.NONE, result));
        } catch (RejectedExecutionException e) {
            result.complete(SearchOutcome.notFound(0));
        }
        return result;
    }

    /** What a search looks for: a search of one key serves every cache-using lookup of that key. */
    private record SearchKey(String username, boolean trustDigestNo) {}

    /** Starts a search, or joins the running one for {@code key} if {@code join}; on the mesh loop. */
    private void start(SearchKey key, boolean join, CompletableFuture<SearchOutcome> result) {
        CompletableFuture<SearchOutcome> current = join ? running.get(key) : null;
        if (current != null) {
            counters.coalesced.increment();
            current.thenAccept(result::complete);
            return;
        }
        if (join) {
            running.put(key, result);
            result.whenComplete((o, e) -> running.remove(key, result)); // completes on the mesh loop
        }
        new LocatorSearch(this, key.username(), key.trustDigestNo(), result).start();
    }

    /** @return whether a lookup of {@code username} with {@link CacheUse#ALL} would be answered from a cache */
    boolean isCached(String username) {
        return caches.found(username) != null || caches.notFound(username);
    }

    /**
     * Forgets cached answers for {@code username} (its presence changed here or at a peer that
     * told us: {@code PresenceChanged}); a search for the user that is running asks the peers that
     * answered no once more ({@code recheck}): the user may just have registered at one of them.
     */
    void invalidate(String username) {
        invalidations.incrementAndGet();
        caches.forget(username);
        if (active.containsKey(username)) {
            try {
                mesh.loop().execute(() -> active.getOrDefault(username, List.of()).forEach(LocatorSearch::recheck));
            } catch (RejectedExecutionException e) {
                // shutting down: nothing to recheck
            }
        }
    }

    /**
     * A peer's new digest arrived (mesh loop): each running search for a user it may now hold asks
     * that peer if it has not yet ({@link LocatorSearch#askNewHolder}). A user moving from a super
     * node that died is listed by its new one at that node's next push (at most
     * {@link DigestSync}'s push interval after the registration), so the search ends then, not at
     * its deadline. Costs one digest probe per running search.
     */
    void newDigest(HostPort peer, PresenceDigest digest) {
        active.forEach((username, searches) -> {
            if (digest.mightContain(username)) {
                searches.forEach(s -> s.askNewHolder(peer));
            }
        });
    }

    /**
     * Forgets cached answers naming {@code superNode} (suspected dead: {@link DeathWatch}), so the
     * next lookup of those users searches again instead of handing out a record its client has left.
     * O(cached answers); runs at most once per suspect and probe timeout.
     */
    void invalidateAt(HostPort superNode) {
        invalidations.incrementAndGet();
        if (caches.forgetAt(superNode)) {
            counters.staleDropped.increment();
        }
    }

    /**
     * A client registering here says it lost {@code superNode}: the mesh checks it, and if it is
     * silent answers naming it are dropped here and on the peers ({@link MeshPort#clientLost}).
     */
    void clientLost(HostPort superNode) {
        mesh.clientLost(superNode);
    }

    /** @return the meters searches, call signals and rate limits are counted in */
    NodeMeters meters() {
        return metrics;
    }

    /** @return searches, cache hits, rejected records, "not found" reasons … */
    LocatorCounters counters() {
        return counters;
    }

    long cachedEntries() {
        return caches.size();
    }

    /**
     * @return the current wave timeout: SRTT + 4 × RTTVAR of answered lookups (RFC 6298 §2), at
     *     least {@link SearchSettings#waveTimeout()} and at most a quarter of the deadline, so a slow
     *     (busy) mesh gets longer waves instead of needless wider ones
     */
    long waveTimeoutMs() {
        return rtt.timeoutMs(settings.waveTimeout().toMillis(), settings.deadline().toMillis() / 4);
    }
}
