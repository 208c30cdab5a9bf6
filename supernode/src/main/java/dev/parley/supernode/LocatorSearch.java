package dev.parley.supernode;

import dev.parley.protocol.HostPort;
import dev.parley.protocol.wire.PeerLookupResult;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * One running search of a {@link UserLocator} (waves, widening, rechecks: see there); every field
 * is confined to the mesh loop.
 */
final class LocatorSearch {
    private final MeshPort mesh;
    private final SearchSettings settings;
    private final LocatorCounters counters;
    private final LocatorCaches caches;
    private final AnswerCheck answers;
    private final UserLocator locator;
    private final String username;
    private final boolean trustDigestNo;
    private final CompletableFuture<SearchOutcome> result;
    private final long invalidationsAtStart;
    private List<HostPort> order;
    private int firstWave;
    private int trustedNo;
    private List<HostPort> heldBack;
    /** Digest matches that have not answered yet. */
    private final Set<HostPort> silentHits = new HashSet<>();
    /** Peers asked so far (in a wave, a recheck or as a new holder). */
    private final Set<HostPort> asked = new HashSet<>();
    /** Peers that answered no and were not asked again yet. */
    private final List<HostPort> saidNo = new ArrayList<>();
    private int rechecks;
    private int next;
    private int wave;
    /** The last wave whose silent lookups were counted against the {@link LookupThrottle}. */
    private int silentCounted;
    private int contacted;
    private int outstanding;
    private int waveOutstanding;
    private int unanswered;
    private boolean lastWaveTimedOut;
    private long deadlineNanos;
    private boolean done;
    private @Nullable ScheduledFuture<?> waveTimer;
    private @Nullable ScheduledFuture<?> deadlineTimer;

    LocatorSearch(UserLocator locator, String username, boolean trustDigestNo, CompletableFuture<SearchOutcome> result) {
        this.locator = locator;
        this.mesh = locator.mesh;
        this.settings = locator.settings;
        this.counters = locator.counters;
        this.caches = locator.caches;
        this.answers = locator.answers;
        this.username = username;
        this.trustDigestNo = trustDigestNo;
        this.result = result;
        this.invalidationsAtStart = locator.invalidations.get();
    }

    void start() {
        SearchPlan plan = SearchPlan.of(mesh.candidates(username), settings.useDigests(), trustDigestNo, locator.random);
        order = plan.order();
        firstWave = plan.firstWave();
        trustedNo = plan.trustedNo();
        heldBack = plan.heldBack();
        silentHits.addAll(order.subList(0, plan.hits()));
        deadlineNanos = mesh.nanoTime() + settings.deadline().toNanos();
        locator.active.compute(username, (u, list) -> {
            List<LocatorSearch> next = list == null ? new ArrayList<>() : new ArrayList<>(list);
            next.add(this);
            return List.copyOf(next);
        });
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
        long waveMs = locator.waveTimeoutMs();
        asked.addAll(batch);
        for (HostPort p : batch) {
            outstanding++;
            mesh.lookup(p, username, remainingMs, retransmitAfterMs(waveMs))
                    .whenComplete((r, e) -> onAnswer(p, thisWave, now, e == null ? r : null));
        }
        // After the last wave, silent peers get the rest of the deadline (at least half of it),
        // unless the search may widen first (one wave timeout in).
        long waitMs = next >= order.size() ? Math.max(waveMs, Math.min(remainingMs - 1, settings.deadline().toMillis() / 2))
                : waveMs;
        boolean mayWiden = next >= order.size() && mayWiden();
        scheduleWaveEnd(thisWave, mayWiden ? waveMs : waitMs, mayWiden ? waitMs - waveMs : 0);
    }

    private void scheduleWaveEnd(int thisWave, long afterMs, long restMs) {
        waveTimer = mesh.loop().schedule(() -> {
            if (wave != thisWave || done) {
                return;
            }
            if (silentCounted < thisWave) {
                silentCounted = thisWave; // once per wave, however often its end is put off
                locator.throttle.onSilent(waveOutstanding);
            }
            if (waveOutstanding > 0 && !locator.throttle.allowsWidening()
                    && (next < order.size() || mayWiden())) {
                // The mesh is overloaded, not dead: wait for the lookups sent (open until the
                // deadline) instead of asking more peers, and look again a wave later.
                counters.throttled.increment();
                scheduleWaveEnd(thisWave, locator.waveTimeoutMs(), restMs);
            } else if (next >= order.size() && widen()) {
                nextWave();
            } else if (restMs > 0) {
                scheduleWaveEnd(thisWave, restMs, 0);
            } else {
                lastWaveTimedOut = next >= order.size();
                nextWave();
            }
        }, Math.max(1, afterMs), TimeUnit.MILLISECONDS);
    }

    /** @return when to send a lookup's one retransmission: never while the mesh is throttled (overload, not loss) */
    private long retransmitAfterMs(long waveMs) {
        return locator.throttle.allowsWidening() ? waveMs : 0;
    }

    private boolean mayWiden() {
        return !heldBack.isEmpty() && !silentHits.isEmpty();
    }

    /**
     * A peer whose digest may hold the user stayed silent for a wave timeout: it may have died
     * (before it is suspected: {@link SearchPlan#moving}) and the user be rejoining at a peer
     * whose digest, current but pushed before the user came, says no. Asks those peers too
     * (once per search, only when a likely holder is silent: bounded by the mesh size, and at most
     * {@value UserLocator#WIDENINGS_PER_S} searches per second).
     *
     * @return whether peers were added to the order
     */
    private boolean widen() {
        if (!mayWiden()) {
            return false;
        }
        if (locator.widenings.tryTake(1, mesh.nanoTime() / 1_000_000) != 0) {
            counters.wideningsRefused.increment(); // over budget: the current digests' no stands
            heldBack = List.of();
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
            locator.throttle.onAnswer();
            locator.rtt.sample((mesh.nanoTime() - sentNanos) / 1e6);
            if (!response.getFound()) {
                saidNo.add(peer);
            }
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

    /**
     * The user's presence changed at a peer (or here) while this search runs: asks the peers
     * that answered no again (at most {@value UserLocator#MAX_RECHECKS} times per search), so a user who
     * registered at one of them meanwhile is found by this search rather than the next.
     */
    void recheck() {
        if (done || rechecks >= UserLocator.MAX_RECHECKS || saidNo.isEmpty()) {
            return;
        }
        rechecks++;
        List<HostPort> again = List.copyOf(saidNo);
        saidNo.clear();
        again.forEach(this::askOutOfWave);
    }

    /** Asks {@code peer} until the deadline, outside the waves (wave 0: no wave's count). */
    private void askOutOfWave(HostPort peer) {
        outstanding++;
        long now = mesh.nanoTime();
        long remainingMs = Math.max(1, (deadlineNanos - now) / 1_000_000);
        mesh.lookup(peer, username, remainingMs, retransmitAfterMs(locator.waveTimeoutMs()))
                .whenComplete((r, e) -> onAnswer(peer, 0, now, e == null ? r : null));
    }

    /**
     * {@code peer}'s new digest may hold the user: asks it now unless it was asked already or is
     * next in line (at most once per peer and search, so bounded by the mesh size; a peer that
     * lists everyone only draws lookups to itself). It counts as a digest match: if it stays
     * silent, the search may widen.
     */
    void askNewHolder(HostPort peer) {
        if (done || asked.contains(peer) || order.subList(next, order.size()).contains(peer)) {
            return;
        }
        asked.add(peer);
        heldBack = heldBack.contains(peer) ? heldBack.stream().filter(p -> !p.equals(peer)).toList() : heldBack;
        silentHits.add(peer);
        contacted++;
        counters.newHolderAsked.increment();
        askOutOfWave(peer);
    }

    private void finish(Optional<Location> found, boolean authoritative) {
        if (done) {
            return;
        }
        done = true;
        locator.active.computeIfPresent(username, (u, list) -> {
            List<LocatorSearch> next = new ArrayList<>(list);
            next.remove(this);
            return next.isEmpty() ? null : List.copyOf(next);
        });
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
            caches.putFound(username, found.get());
        } else if (authoritative && unanswered == 0 && outstanding == 0 && contacted > 0 && trustedNo == 0
                && locator.invalidations.get() == invalidationsAtStart) {
            // Every live peer answered no, so each will tell us when the user appears there. A
            // peer left out on its digest was never asked and would not: such answers (cheap to
            // redo) are not cached.
            caches.putNotFound(username);
        }
        result.complete(new SearchOutcome(found, contacted, false));
    }
}
