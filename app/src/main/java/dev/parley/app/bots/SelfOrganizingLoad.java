package dev.parley.app.bots;

import dev.parley.client.RetryAfterLoss;
import dev.parley.client.SuperNodeSession;
import dev.parley.protocol.HostPort;
import dev.parley.protocol.wire.SearchResult;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.ConcurrentHistogram;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Registration, rejoin, churn and searches of {@code parley bots --self-organizing}. Every bot
 * registers with a live promoted super node chosen with the seed; when its session closes without
 * the benchmark logging it out (its super node died or was demoted), it rejoins another live one at
 * once, and the time from the super node's death to the new registration is recorded. Churn logs
 * random bots out and back in (a serving bot that logs out stops serving too), and every
 * {@code killEvery} the busiest serving bot dies. Searches run from online bots for bots that
 * ought to be online (registered, not logged out by the churn: a bot rejoining after its super
 * node died counts, so searches for it during the rejoin count as not found). A search counts as
 * found only if its record names the super node the target is registered with: a record naming
 * its dead super node is a failure (reported as stale). Every loop is bounded in count and time.
 */
final class SelfOrganizingLoad implements AutoCloseable {
    static final int TICK_MS = 10;
    private static final Logger log = LoggerFactory.getLogger(SelfOrganizingLoad.class);
    static final int MAX_IN_FLIGHT = 20_000;
    private static final int REJOIN_ATTEMPTS = 20;
    private static final long REJOIN_RETRY_MS = 100;
    /** Searches for a rejoined client until found: at most this many, this far apart. */
    private static final int FIND_AGAIN_ATTEMPTS = 25;
    private static final long FIND_AGAIN_RETRY_MS = 200;

    final ConcurrentHistogram rejoinMs = new ConcurrentHistogram(TimeUnit.MINUTES.toMillis(5), 3);
    final LongAdder rejoinFailures = new LongAdder();
    /** From a super node's death until a search for one of its clients (after its rejoin) finds it, ms. */
    final ConcurrentHistogram foundAgainMs = new ConcurrentHistogram(TimeUnit.MINUTES.toMillis(5), 3);
    final LongAdder foundAgainFailures = new LongAdder();
    final LongAdder searches = new LongAdder();
    /** Found at the super node the target is registered with (when asked or when answered). */
    final LongAdder found = new LongAdder();
    /**
     * Every churn search by the target's state when asked ({@link #REGISTERED}: online;
     * {@link #REJOINING}: its super node died and it has not registered elsewhere yet; or
     * {@link #SEARCHER_LOST}: the searcher's connection dropped before the answer, so the search
     * was asked again after the searcher's rejoin, within {@link RetryAfterLoss#DEFAULT_WAIT}) and
     * final outcome
     * ({@link #FOUND}, {@link #STALE}: found, but the record names a super node the target is not
     * on, {@link #NOT_FOUND}, {@link #ERROR}: the search failed, e.g. rate-limited).
     */
    final LongAdder[][] outcomes = new LongAdder[3][4];
    static final int REGISTERED = 0;
    static final int REJOINING = 1;
    /** The searcher's own super node died before it answered (the search was retried after its rejoin). */
    static final int SEARCHER_LOST = 2;
    static final int FOUND = 0;
    static final int STALE = 1;
    static final int NOT_FOUND = 2;
    static final int ERROR = 3;
    /** Stale answers (churn and found-again searches) that came from the searcher's super node's cache. */
    final LongAdder staleFromCache = new LongAdder();
    /** Found-again searches answered with a record naming a super node the target is not on (each then retried). */
    final LongAdder foundAgainStale = new LongAdder();
    /** From a super node's death (the benchmark closing it) until its client's session saw the close, ms. */
    final ConcurrentHistogram lossSeenMs = new ConcurrentHistogram(TimeUnit.MINUTES.toMillis(5), 3);
    /** Failed searches by error message (the first 60 characters; not the searcher's lost connection), at most 20 kinds. */
    final Map<String, LongAdder> errors = new ConcurrentHashMap<>();
    /** Rejoins given up (after {@value #REJOIN_ATTEMPTS} attempts) by their last error, as {@link #errors}. */
    final Map<String, LongAdder> rejoinErrors = new ConcurrentHashMap<>();
    /** When each bot last registered (System.nanoTime()). */
    private final AtomicLongArray registeredAt;
    final LongAdder skipped = new LongAdder();
    final LongAdder churnEvents = new LongAdder();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final BotFleet fleet;
    private final ServingBots serving;
    /** Bots that ought to be online: registered once and not logged out since. */
    private final AtomicIntegerArray wanted;
    private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(
            new DefaultThreadFactory("bots-selforg", true));
    /** Kills and restarts serve roles: closing one waits for its super node, which must not stall the load's ticks. */
    private final ExecutorService roles = Executors.newSingleThreadExecutor(new DefaultThreadFactory("bots-roles", true));
    private volatile boolean closing;
    private volatile boolean measuring = true; // false during warmUp: searches are made, nothing is counted

    SelfOrganizingLoad(BotFleet fleet, ServingBots serving) {
        this.fleet = fleet;
        this.serving = serving;
        this.wanted = new AtomicIntegerArray(fleet.bots.size());
        this.registeredAt = new AtomicLongArray(fleet.bots.size());
        for (LongAdder[] row : outcomes) {
            for (int i = 0; i < row.length; i++) {
                row[i] = new LongAdder();
            }
        }
    }

    /**
     * @return {@link #FOUND} when {@code r} finds {@code target} at the super node it is registered
     *     with ({@code asked}: when the search was sent; or now), {@link #STALE} when it names another
     *     one (a call routed there would fail), else {@link #NOT_FOUND}
     */
    private static int outcome(SearchResult r, Bot target, HostPort asked) {
        if (!r.getFound()) {
            return NOT_FOUND;
        }
        HostPort named = HostPort.of(r.getRecord().getSuperNode());
        return named.equals(asked) || named.equals(target.superNode) ? FOUND : STALE;
    }

    private int outcomeCounted(SearchResult r, Bot target, HostPort asked) {
        int o = outcome(r, target, asked);
        if (o == STALE && r.getFromCache()) {
            staleFromCache.increment();
        }
        return o;
    }

    /** Registers every bot (at most 120 s); returns when all are. */
    void registerAll(SplittableRandom random) throws Exception {
        fleet.forAll(fleet.bots, b -> join(b, random, null).thenRun(() -> wanted.set(b.index, 1)));
    }

    private CompletableFuture<Void> join(Bot b, SplittableRandom random, HostPort avoid) {
        List<HostPort> live = serving.live().stream().filter(a -> !a.equals(avoid)).toList();
        if (live.isEmpty()) {
            return CompletableFuture.failedFuture(new IOException("no live super node yet"));
        }
        synchronized (random) {
            b.superNode = live.get(random.nextInt(live.size()));
        }
        return fleet.register(b, avoid).thenRun(() -> {
            registeredAt.set(b.index, System.nanoTime());
            watch(b, random);
        });
    }

    /** When {@code b}'s session closes and the benchmark did not log it out, rejoin at once. */
    private void watch(Bot b, SplittableRandom random) {
        SuperNodeSession s = b.session;
        HostPort at = b.superNode;
        s.closeFuture().whenComplete((x, e) -> {
            if (closing || b.session != s) {
                return; // logged out by the churn, or the benchmark ends
            }
            long lost = System.nanoTime();
            Long died = serving.killedAt.get(at);
            long from = died != null ? Math.min(died, lost) : lost;
            lossSeenMs.recordValue(Math.min((lost - from) / 1_000_000, lossSeenMs.getHighestTrackableValue()));
            rejoin(b, random, at, from, 1);
        });
    }

    private void rejoin(Bot b, SplittableRandom random, HostPort avoid, long fromNanos, int attempt) {
        join(b, random, avoid).whenComplete((x, e) -> {
            if (e == null) {
                rejoinMs.recordValue(Math.min((System.nanoTime() - fromNanos) / 1_000_000, rejoinMs.getHighestTrackableValue()));
                findAgain(b, random, fromNanos, 1);
            } else if (closing) {
                return; // the run ended during this rejoin: neither a time nor a failure
            } else if (attempt < REJOIN_ATTEMPTS) {
                thread.schedule(() -> rejoin(b, random, avoid, fromNanos, attempt + 1), REJOIN_RETRY_MS, TimeUnit.MILLISECONDS);
            } else {
                rejoinFailures.increment();
                tally(rejoinErrors, e);
            }
        });
    }

    /**
     * Searches for a rejoined client from a random online bot until found (at most
     * {@value #FIND_AGAIN_ATTEMPTS} searches, {@value #FIND_AGAIN_RETRY_MS} ms apart); these
     * searches are not counted in the found ratio.
     */
    private void findAgain(Bot b, SplittableRandom random, long fromNanos, int attempt) {
        if (closing) {
            return;
        }
        Bot searcher;
        synchronized (random) {
            searcher = fleet.bots.get(random.nextInt(fleet.bots.size()));
        }
        SuperNodeSession s = searcher.session;
        HostPort at = b.superNode;
        CompletableFuture<Boolean> found = s == null || searcher == b || !searcher.online()
                ? CompletableFuture.completedFuture(false)
                : s.search(b.username).handle((r, e) -> {
                    int o = e == null ? outcomeCounted(r, b, at) : ERROR;
                    if (o == STALE) {
                        foundAgainStale.increment();
                    }
                    return o == FOUND;
                });
        found.thenAccept(yes -> {
            if (yes) {
                foundAgainMs.recordValue(Math.min((System.nanoTime() - fromNanos) / 1_000_000,
                        foundAgainMs.getHighestTrackableValue()));
            } else if (attempt < FIND_AGAIN_ATTEMPTS && !closing) {
                thread.schedule(() -> findAgain(b, random, fromNanos, attempt + 1), FIND_AGAIN_RETRY_MS, TimeUnit.MILLISECONDS);
            } else if (!closing) {
                foundAgainFailures.increment();
            }
        });
    }

    /**
     * Churns at {@code churnPerS} and searches at {@code ratePerS} for {@code duration}, killing the
     * busiest serving bot every {@code killEvery} (none when zero); waits at most 10 s for the last answers.
     */
    void run(Duration duration, double churnPerS, int ratePerS, Duration killEvery, long seed) throws InterruptedException {
        drive(duration, churnPerS, ratePerS, killEvery, seed);
        closing = true;
        drain();
    }

    /**
     * Searches at {@code ratePerS} for {@code duration} and counts none of them (no churn, no kill),
     * then waits at most 10 s for their answers: both JVMs' JIT compilers and the super nodes' first
     * verification of each record settle before the measurement, as plain {@code parley bots}'s
     * {@code --warmup} does.
     */
    void warmUp(Duration duration, int ratePerS, long seed) throws InterruptedException {
        if (duration.isZero()) {
            return;
        }
        measuring = false;
        try {
            drive(duration, 0, ratePerS, Duration.ZERO, seed);
            drain();
        } finally {
            measuring = true;
        }
    }

    /** Churn, searches and kills for {@code duration}, on the load's thread. */
    private void drive(Duration duration, double churnPerS, int ratePerS, Duration killEvery, long seed)
            throws InterruptedException {
        SplittableRandom random = new SplittableRandom(seed);
        double[] credit = {0, 1};
        double churnPerTick = churnPerS * TICK_MS / 1000.0;
        double searchPerTick = ratePerS * TICK_MS / 1000.0;
        long maxSearches = (long) ratePerS * duration.toSeconds();
        long[] issued = {0};
        long start = System.nanoTime();
        long[] nextKill = {killEvery.isZero() ? Long.MAX_VALUE : start + killEvery.toNanos()};
        ScheduledFuture<?> ticks = thread.scheduleAtFixedRate(() -> {
            credit[0] += churnPerTick;
            while (credit[0] >= 1) {
                credit[0] -= 1;
                churn(random);
            }
            credit[1] += searchPerTick;
            while (credit[1] >= 1 && issued[0] < maxSearches) {
                credit[1] -= 1;
                issued[0]++;
                search(random);
            }
            if (System.nanoTime() >= nextKill[0]) {
                nextKill[0] += killEvery.toNanos();
                int victim = serving.busiest();
                if (victim >= 0) {
                    onRoles(() -> serving.kill(victim)); // abrupt for its clients: they rejoin (watch)
                }
            }
        }, 0, TICK_MS, TimeUnit.MILLISECONDS);
        long end = start + duration.toNanos();
        while (System.nanoTime() < end) {
            TimeUnit.MILLISECONDS.sleep(20); // the scheduler does the work; this bounds the run in time
        }
        ticks.cancel(false); // no churn, kill or search after the duration
    }

    /** Waits at most 10 s for the searches in flight. */
    private void drain() throws InterruptedException {
        long drain = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (inFlight.get() > 0 && System.nanoTime() < drain) {
            TimeUnit.MILLISECONDS.sleep(10);
        }
    }

    /** Counts {@code e} under its message's first 60 characters, for at most 20 kinds. */
    private static void tally(Map<String, LongAdder> byMessage, Throwable e) {
        String m = String.valueOf(e.getCause() != null ? e.getCause().getMessage() : e.getMessage());
        String key = m.length() > 60 ? m.substring(0, 60) : m;
        if (byMessage.size() < 20 || byMessage.containsKey(key)) {
            byMessage.computeIfAbsent(key, k -> new LongAdder()).increment();
        }
    }

    private void churn(SplittableRandom random) {
        Bot b = fleet.bots.get(random.nextInt(fleet.bots.size()));
        churnEvents.increment();
        SuperNodeSession s = b.session;
        if (wanted.get(b.index) == 1 && s != null) {
            wanted.set(b.index, 0);
            b.session = null;
            s.close(); // log out
            if (b.index < serving.count() && serving.serving(b.index)) {
                onRoles(() -> serving.kill(b.index)); // a serving client that quits takes its super node with it
            }
        } else if (wanted.get(b.index) == 0 && s == null) {
            join(b, random, null).whenComplete((x, e) -> {
                if (e == null) {
                    wanted.set(b.index, 1);
                }
            });
            if (b.index < serving.count()) {
                onRoles(() -> serving.restart(b.index));
            }
        }
    }

    /** A kill or restart of a serve role, on the roles thread. */
    @FunctionalInterface
    private interface RoleTask {
        void run() throws IOException;
    }

    /**
     * Runs {@code task} on the roles thread; if it fails (a node key unreadable, the child JVM
     * gone), that bot does not offer to serve again, and the log says why.
     */
    private void onRoles(RoleTask task) {
        roles.execute(() -> {
            try {
                task.run();
            } catch (IOException e) {
                log.warn("serve role: {}", e.toString());
            }
        });
    }

    private void search(SplittableRandom random) {
        Bot searcher = fleet.bots.get(random.nextInt(fleet.bots.size()));
        Bot target = fleet.bots.get(random.nextInt(fleet.bots.size()));
        SuperNodeSession s = searcher.session;
        if (s == null || !searcher.online() || target == searcher || wanted.get(target.index) == 0
                || inFlight.get() >= MAX_IN_FLIGHT) {
            if (measuring) {
                skipped.increment();
            }
            return;
        }
        inFlight.incrementAndGet();
        if (!measuring) {
            s.search(target.username).whenComplete((r, e) -> inFlight.decrementAndGet());
            return;
        }
        searches.increment();
        HostPort at = target.superNode;
        Long died = serving.killedAt.get(at);
        int state = !target.online() || died != null && died - registeredAt.get(target.index) > 0 ? REJOINING : REGISTERED;
        AtomicInteger attempts = new AtomicInteger();
        // As a client does: a search whose super node died before answering is asked again once
        // the searcher rejoined (RetryAfterLoss); the final outcome counts.
        RetryAfterLoss.request(s, x -> {
            attempts.incrementAndGet();
            return x.search(target.username);
        }, searcher::sessionAfter, RetryAfterLoss.DEFAULT_WAIT).whenComplete((r, e) -> {
            int o = e == null ? outcomeCounted(r, target, at) : ERROR;
            boolean searcherLost = attempts.get() > 1 || e != null && !s.isActive();
            if (e != null && !searcherLost) {
                tally(errors, e);
            }
            outcomes[searcherLost ? SEARCHER_LOST : state][o].increment();
            if (o == FOUND) {
                found.increment();
            }
            inFlight.decrementAndGet();
        });
    }

    /** @return bots online now (a session open) */
    long online() {
        return fleet.bots.stream().filter(Bot::online).count();
    }

    @Override
    public void close() {
        closing = true;
        thread.shutdownNow();
        roles.shutdownNow();
    }
}
