package dev.parley.app.bots;

import dev.parley.app.ProcCpu;
import dev.parley.client.SuperNodeSession;
import dev.parley.protocol.HostPort;
import dev.parley.protocol.PresenceRecords;
import dev.parley.protocol.ProtocolException;
import dev.parley.protocol.wire.PresenceRecord;
import dev.parley.protocol.wire.SearchResult;
import com.sun.management.OperatingSystemMXBean;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.ConcurrentHistogram;

/**
 * The bounded search load: {@code rate} searches per second for {@code duration}, issued from one
 * scheduler thread every {@value #TICK_MS} ms (at most rate × duration searches, at most
 * {@value #MAX_IN_FLIGHT} in flight — beyond that a search is skipped and counted), by random
 * always-online bots, for a random always-online bot or, with probability {@code offlineShare}, a
 * name that has no account (must be answered "not found"). With {@code churnPerS} > 0 churning
 * bots log out and back in (on a random super node) at that rate. Latency runs from sending
 * {@code Search} to receiving its {@code SearchResult}. Every found record is then verified as a
 * client does ({@link PresenceRecords#verify}), on a thread of its own; a record byte-identical
 * to one that already verified is not verified again.
 */
final class BotWorkload implements AutoCloseable {
    static final int TICK_MS = 5;
    static final int MAX_IN_FLIGHT = 20_000;

    /** Measurements; thread-safe. Latency in microseconds. */
    static final class Results {
        final ConcurrentHistogram latencyUs = new ConcurrentHistogram(TimeUnit.SECONDS.toMicros(60), 3);
        final ConcurrentHistogram onlineLatencyUs = new ConcurrentHistogram(TimeUnit.SECONDS.toMicros(60), 3);
        final LongAdder issued = new LongAdder();
        final LongAdder completed = new LongAdder();
        final LongAdder skipped = new LongAdder();
        final LongAdder onlineIssued = new LongAdder();
        final LongAdder onlineFound = new LongAdder();
        final LongAdder ghostIssued = new LongAdder();
        final LongAdder ghostNotFoundInTime = new LongAdder();
        final LongAdder contactedSum = new LongAdder();
        final LongAdder onlineContactedSum = new LongAdder();
        final LongAdder onlineUncached = new LongAdder();
        final LongAdder onlineUncachedContactedSum = new LongAdder();
        final AtomicInteger contactedMax = new AtomicInteger();
        final LongAdder cacheHits = new LongAdder();
        final LongAdder verifyFailures = new LongAdder();
        final LongAdder churnEvents = new LongAdder();
        final Map<String, LongAdder> errors = new ConcurrentHashMap<>();
        volatile long elapsedNanos;
        /** CPU time this JVM used during the run (every thread: bots, and super nodes when in-process), in ns. */
        volatile long cpuNanos;
        /** Of {@link #cpuNanos}, what the JIT compiler threads used (Linux; else 0): warm-up, not searching. */
        volatile long jitNanos;
    }

    private final BotFleet fleet;
    private final List<HostPort> superNodes;
    private final InstantSource clock;
    private final Duration deadline;
    private final AtomicInteger inFlight = new AtomicInteger();
    /** Checks found records and records results, in order, on one thread of its own. */
    private final ExecutorService verifier = Executors.newSingleThreadExecutor(task -> {
        Thread t = new Thread(task, "bots-verify");
        t.setDaemon(true);
        return t;
    });
    /**
     * Records already verified, by username (at most one per bot). A person's client verifies the
     * record of the one user it calls; the bots search thousands of times per second for the same
     * few thousand users, so each distinct record is verified once and compared byte for byte after.
     */
    private final Map<String, PresenceRecord> verified = new ConcurrentHashMap<>();

    /**
     * @param deadline the super nodes' search deadline: a "not found" slower than this counts as wrong
     */
    BotWorkload(BotFleet fleet, List<HostPort> superNodes, InstantSource clock, Duration deadline) {
        this.fleet = fleet;
        this.superNodes = superNodes;
        this.clock = clock;
        this.deadline = deadline;
    }

    /**
     * Runs the load and waits (at most 30 s) for the last answers.
     *
     * @return the measurements
     */
    Results run(int ratePerS, Duration duration, double offlineShare, double churnPerS, long seed)
            throws InterruptedException {
        Results r = new Results();
        SplittableRandom random = new SplittableRandom(seed);
        long total = (long) ratePerS * duration.toSeconds();
        ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(r2 -> {
            Thread t = new Thread(r2, "bots-load");
            t.setDaemon(true);
            return t;
        });
        double perTick = ratePerS * TICK_MS / 1000.0;
        double churnPerTick = churnPerS * TICK_MS / 1000.0;
        // One search is due at once: the last of rate × duration is then due a full period before
        // the duration ends, not on its edge.
        double[] credit = {1.0, 0.0};
        long start = System.nanoTime();
        long cpuStart = processCpuNanos();
        long jitStart = ProcCpu.ownThreadsNanos(ProcCpu::isJitCompilerThread);
        ScheduledFuture<?> ticks = scheduler.scheduleAtFixedRate(() -> {
            credit[0] += perTick;
            while (credit[0] >= 1 && r.issued.sum() < total) {
                credit[0] -= 1;
                issue(r, random, offlineShare);
            }
            credit[1] += churnPerTick;
            while (credit[1] >= 1) {
                credit[1] -= 1;
                churn(r, random);
            }
        }, 0, TICK_MS, TimeUnit.MILLISECONDS);
        // The load stops when every search was issued; a scheduler that fell behind gets one more
        // second to catch up, so the count stays rate × duration; never longer.
        long endNanos = start + duration.toNanos() + TimeUnit.SECONDS.toNanos(1);
        while (System.nanoTime() < endNanos && r.issued.sum() < total) {
            TimeUnit.MILLISECONDS.sleep(20); // the scheduler does the work; this bounds the run in time
        }
        ticks.cancel(false);
        scheduler.shutdown();
        scheduler.awaitTermination(5, TimeUnit.SECONDS);
        long drainDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (inFlight.get() > 0 && System.nanoTime() < drainDeadline) {
            TimeUnit.MILLISECONDS.sleep(10);
        }
        r.elapsedNanos = System.nanoTime() - start;
        r.cpuNanos = processCpuNanos() - cpuStart;
        r.jitNanos = ProcCpu.ownThreadsNanos(ProcCpu::isJitCompilerThread) - jitStart;
        return r;
    }

    /** @return this JVM's CPU time so far in ns, or 0 where the platform does not tell */
    private static long processCpuNanos() {
        return ManagementFactory.getOperatingSystemMXBean() instanceof OperatingSystemMXBean os
                ? Math.max(0, os.getProcessCpuTime()) : 0;
    }

    private void issue(Results r, SplittableRandom random, double offlineShare) {
        List<Bot> stable = fleet.stable;
        Bot searcher = stable.get(random.nextInt(stable.size()));
        boolean ghost = random.nextDouble() < offlineShare || stable.size() < 2;
        String target;
        if (ghost) {
            target = "ghost" + Long.toHexString(random.nextLong() & 0xffff_ffffL);
        } else {
            Bot t;
            do {
                t = stable.get(random.nextInt(stable.size()));
            } while (t == searcher);
            target = t.username;
        }
        r.issued.increment();
        if (inFlight.get() >= MAX_IN_FLIGHT) {
            r.skipped.increment();
            return;
        }
        (ghost ? r.ghostIssued : r.onlineIssued).increment();
        SuperNodeSession session = searcher.session;
        inFlight.incrementAndGet();
        long sent = System.nanoTime();
        session.search(target).whenComplete((result, e) -> {
            long us = (System.nanoTime() - sent) / 1000;
            // Verification (two Ed25519 checks for a record not seen before) runs off the I/O
            // threads, which would otherwise read later answers late and inflate their latency.
            verifier.execute(() -> {
                try {
                    record(r, ghost, target, result, e, us);
                } finally {
                    inFlight.decrementAndGet();
                }
            });
        });
    }

    private void record(Results r, boolean ghost, String target, SearchResult result, Throwable e, long us) {
        r.completed.increment();
        r.latencyUs.recordValue(Math.min(us, r.latencyUs.getHighestTrackableValue()));
        if (e != null) {
            Throwable cause = e instanceof CompletionException c && c.getCause() != null ? c.getCause() : e;
            String key = cause instanceof ProtocolException pe ? pe.code().name() : cause.getClass().getSimpleName();
            r.errors.computeIfAbsent(key, k -> new LongAdder()).increment();
            return;
        }
        int contacted = result.getSupernodesContacted();
        r.contactedSum.add(contacted);
        r.contactedMax.accumulateAndGet(contacted, Math::max);
        if (result.getFromCache()) {
            r.cacheHits.increment();
        }
        boolean found = result.getFound();
        if (found) {
            try {
                if (!result.getRecord().equals(verified.get(target))) {
                    PresenceRecords.verify(fleet.serverKey, result.getRecord(), target, clock.instant(),
                            PresenceRecords.DEFAULT_MAX_AGE);
                    verified.put(target, result.getRecord());
                }
            } catch (ProtocolException bad) {
                r.verifyFailures.increment();
                found = false;
            }
        }
        if (ghost) {
            if (!found && us <= deadline.toNanos() / 1000) {
                r.ghostNotFoundInTime.increment();
            }
        } else {
            r.onlineLatencyUs.recordValue(Math.min(us, r.onlineLatencyUs.getHighestTrackableValue()));
            r.onlineContactedSum.add(contacted);
            if (!result.getFromCache()) {
                r.onlineUncached.increment();
                r.onlineUncachedContactedSum.add(contacted);
            }
            if (found) {
                r.onlineFound.increment();
            }
        }
    }

    private void churn(Results r, SplittableRandom random) {
        if (fleet.churners.isEmpty()) {
            return;
        }
        Bot b = fleet.churners.get(random.nextInt(fleet.churners.size()));
        r.churnEvents.increment();
        SuperNodeSession s = b.session;
        if (s != null && b.online()) {
            b.session = null;
            s.close(); // log out: the super node drops its presence and tells who asked
        } else if (s == null) {
            b.superNode = superNodes.get(random.nextInt(superNodes.size())); // log back in, maybe elsewhere
            fleet.register(b);
        }
    }

    /** Stops the verification thread (after {@link #run} returned, nothing is left on it). */
    @Override
    public void close() {
        verifier.shutdownNow();
    }
}
