package dev.parley.supernode;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import dev.parley.protocol.HostPort;
import dev.parley.protocol.PresenceRecords;
import dev.parley.protocol.wire.PeerLookupResult;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
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
 * <p><b>Caches</b> (Caffeine, driven by the injected clock): positive answers for
 * {@link SearchSettings#positiveTtl()}, exhaustive "not found" for {@link SearchSettings#negativeTtl()};
 * both are invalidated on a local presence change and on a peer's {@code PresenceChanged}; positive
 * answers naming a peer suspected dead ({@link DeathWatch}) are dropped at once; of two verified
 * records of a user the one signed last is kept ({@link Location#newer}).
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
    private static final int MAX_CACHED_USERS = 200_000;
    /** How long a verified record's signatures are remembered (freshness is still checked every time). */
    static final Duration VERIFIED_TTL = Duration.ofMinutes(10);

    /** Which cached answers a lookup may use. */
    enum CacheUse { ALL, POSITIVE_ONLY, NONE }

    private final MeshPort mesh;
    private final InstantSource clock;
    private final SearchSettings settings;
    private final Cache<String, Location> positive;
    private final Cache<String, Boolean> negative;
    private final AnswerCheck answers;
    private final SplittableRandom random; // mesh loop only
    private final NodeMeters metrics;
    private final LookupRtt rtt = new LookupRtt(); // mesh loop only
    private final LocatorCounters counters = new LocatorCounters();
    /** Searches running, by what they look for; mesh loop only (bounded: each ends by its deadline). */
    private final Map<SearchKey, CompletableFuture<SearchOutcome>> running = new HashMap<>();
    /** Bumped by every invalidation: a search that saw one does not cache its "not found". */
    private final AtomicLong invalidations = new AtomicLong();

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
        this.clock = clock;
        this.settings = settings;
        this.random = new SplittableRandom(seed);
        this.positive = cache(settings.positiveTtl().toNanos(), clock);
        this.negative = cache(settings.negativeTtl().toNanos(), clock);
        this.answers = new AnswerCheck(serverKey, clock, settings, cache(VERIFIED_TTL.toNanos(), clock));
    }

    private static <V> Cache<String, V> cache(long ttlNanos, InstantSource clock) {
        return Caffeine.newBuilder()
                .expireAfterWrite(ttlNanos, TimeUnit.NANOSECONDS)
                .maximumSize(MAX_CACHED_USERS)
                .ticker(ticker(clock))
                .executor(Runnable::run) // maintenance inline: deterministic, and it is cheap
                .build();
    }

    /** A Caffeine ticker reading the injected clock, so tests control expiry exactly. */
    static Ticker ticker(InstantSource clock) {
        return () -> {
            Instant now = clock.instant();
            return now.getEpochSecond() * 1_000_000_000L + now.getNano();
        };
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
            Location hit = positive.getIfPresent(username);
            if (hit != null) {
                counters.cacheHits.increment();
                return CompletableFuture.completedFuture(new SearchOutcome(Optional.of(hit.asCached()), 0, true));
            }
            if (use == CacheUse.ALL && negative.getIfPresent(username) != null) {
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
        new Search(key.username(), key.trustDigestNo(), result).start();
    }

    /** @return whether a lookup of {@code username} with {@link CacheUse#ALL} would be answered from a cache */
    boolean isCached(String username) {
        return positive.getIfPresent(username) != null || negative.getIfPresent(username) != null;
    }

    /** Forgets cached answers for {@code username}. */
    void invalidate(String username) {
        invalidations.incrementAndGet();
        positive.invalidate(username);
        negative.invalidate(username);
    }

    /**
     * Forgets cached answers naming {@code superNode} (suspected dead: {@link DeathWatch}), so the
     * next lookup of those users searches again instead of handing out a record its client has left.
     * O(cached answers); runs at most once per suspect and probe timeout.
     */
    void invalidateAt(HostPort superNode) {
        invalidations.incrementAndGet();
        if (positive.asMap().values().removeIf(l -> l.superNode().equals(superNode))) {
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
        return positive.estimatedSize() + negative.estimatedSize();
    }

    /**
     * @return the current wave timeout: SRTT + 4 × RTTVAR of answered lookups (RFC 6298 §2), at
     *     least {@link SearchSettings#waveTimeout()} and at most a quarter of the deadline, so a slow
     *     (busy) mesh gets longer waves instead of needless wider ones
     */
    long waveTimeoutMs() {
        return rtt.timeoutMs(settings.waveTimeout().toMillis(), settings.deadline().toMillis() / 4);
    }

    /** One running search; every field is confined to the mesh loop. */
    private final class Search {
        private final String username;
        private final boolean trustDigestNo;
        private final CompletableFuture<SearchOutcome> result;
        private final long invalidationsAtStart = invalidations.get();
        private List<HostPort> order;
        private int firstWave;
        private int trustedNo;
        private List<HostPort> heldBack;
        /** Digest matches that have not answered yet. */
        private final Set<HostPort> silentHits = new HashSet<>();
        private int next;
        private int wave;
        private int contacted;
        private int outstanding;
        private int waveOutstanding;
        private int unanswered;
        private boolean lastWaveTimedOut;
        private long deadlineNanos;
        private boolean done;
        private @Nullable ScheduledFuture<?> waveTimer;
        private @Nullable ScheduledFuture<?> deadlineTimer;

        Search(String username, boolean trustDigestNo, CompletableFuture<SearchOutcome> result) {
            this.username = username;
            this.trustDigestNo = trustDigestNo;
            this.result = result;
        }

        void start() {
            SearchPlan plan = SearchPlan.of(mesh.candidates(username), settings.useDigests(), trustDigestNo, random);
            order = plan.order();
            firstWave = plan.firstWave();
            trustedNo = plan.trustedNo();
            heldBack = plan.heldBack();
            silentHits.addAll(order.subList(0, plan.hits()));
            deadlineNanos = mesh.nanoTime() + settings.deadline().toNanos();
            deadlineTimer = mesh.loop().schedule(() -> finish(Optional.empty(), false),
                    settings.deadline().toMillis(), TimeUnit.MILLISECONDS);
            nextWave();
        }

        private void nextWave() {
            if (done) {
                return;
            }
            if (waveTimer != null) {
                waveTimer.cancel(false);
            }
            if (next >= order.size()) {
                // Every peer was asked: done when all answered, or when the last wave's time is up
                // (peers that never answered make the "not found" non-authoritative: not cached).
                if (outstanding == 0 || lastWaveTimedOut) {
                    finish(Optional.empty(), true);
                }
                return;
            }
            int size = wave == 0 ? firstWave : 1 << Math.min(wave + 1, 30);
            int thisWave = ++wave;
            List<HostPort> batch = List.copyOf(order.subList(next, Math.min(order.size(), next + size)));
            next += batch.size();
            contacted += batch.size();
            waveOutstanding = batch.size();
            // A lookup stays open until the deadline: a slow peer's late answer still ends the search,
            // even after later waves started. It is retransmitted once, halfway through its wave.
            long now = mesh.nanoTime();
            long remainingMs = Math.max(1, (deadlineNanos - now) / 1_000_000);
            long waveMs = waveTimeoutMs();
            for (HostPort p : batch) {
                outstanding++;
                mesh.lookup(p, username, remainingMs, waveMs)
                        .whenComplete((r, e) -> onAnswer(p, thisWave, now, e == null ? r : null));
            }
            // After the last wave, silent peers get the rest of the deadline (at least half of it),
            // unless the search may widen first (one wave timeout in).
            long waitMs = next >= order.size() ? Math.max(waveMs, Math.min(remainingMs - 1, settings.deadline().toMillis() / 2))
                    : waveMs;
            boolean mayWiden = next >= order.size() && !heldBack.isEmpty() && !silentHits.isEmpty();
            scheduleWaveEnd(thisWave, mayWiden ? waveMs : waitMs, mayWiden ? waitMs - waveMs : 0);
        }

        private void scheduleWaveEnd(int thisWave, long afterMs, long restMs) {
            waveTimer = mesh.loop().schedule(() -> {
                if (wave != thisWave || done) {
                    return;
                }
                if (next >= order.size() && widen()) {
                    nextWave();
                } else if (restMs > 0) {
                    scheduleWaveEnd(thisWave, restMs, 0);
                } else {
                    lastWaveTimedOut = next >= order.size();
                    nextWave();
                }
            }, Math.max(1, afterMs), TimeUnit.MILLISECONDS);
        }

        /**
         * A peer whose digest may hold the user stayed silent for a wave timeout: it may have died
         * (before it is suspected: {@link SearchPlan#moving}) and the user be rejoining at a peer
         * whose digest, current but pushed before the user came, says no. Asks those peers too
         * (once per search, only when a likely holder is silent: bounded by the mesh size).
         *
         * @return whether peers were added to the order
         */
        private boolean widen() {
            if (heldBack.isEmpty() || silentHits.isEmpty()) {
                return false;
            }
            order = new ArrayList<>(order);
            order.addAll(heldBack);
            heldBack = List.of();
            counters.widened.increment();
            return true;
        }

        private void onAnswer(HostPort peer, int fromWave, long sentNanos, @Nullable PeerLookupResult response) {
            outstanding--;
            if (response == null) {
                unanswered++;
            } else {
                silentHits.remove(peer);
                rtt.sample((mesh.nanoTime() - sentNanos) / 1e6);
            }
            if (done) {
                return;
            }
            Optional<Location> found = response == null ? Optional.empty()
                    : answers.accept(peer, username, response, counters.rejectedRecords);
            if (found.isPresent()) {
                finish(found, true);
            } else if (fromWave == wave && --waveOutstanding == 0) {
                nextWave();
            } else if (next >= order.size() && outstanding == 0) {
                finish(Optional.empty(), true);
            }
        }

        private void finish(Optional<Location> found, boolean authoritative) {
            if (done) {
                return;
            }
            done = true;
            if (waveTimer != null) {
                waveTimer.cancel(false);
            }
            if (deadlineTimer != null) {
                deadlineTimer.cancel(false);
            }
            if (found.isEmpty()) {
                counters.notFound(order.isEmpty() ? LocatorCounters.NO_PEER : !authoritative ? LocatorCounters.DEADLINE
                        : outstanding == 0 ? LocatorCounters.ALL_SAID_NO : LocatorCounters.LAST_WAVE_TIMED_OUT);
            }
            if (found.isPresent()) {
                positive.asMap().merge(username, found.get(), Location::newer);
            } else if (authoritative && unanswered == 0 && outstanding == 0 && contacted > 0 && trustedNo == 0
                    && invalidations.get() == invalidationsAtStart) {
                // Every live peer answered no, so each will tell us when the user appears there. A
                // peer left out on its digest was never asked and would not: such answers (cheap to
                // redo) are not cached.
                negative.put(username, Boolean.TRUE);
            }
            result.complete(new SearchOutcome(found, contacted, false));
        }
    }
}
