package dev.parley.app.bots;

import dev.parley.app.bots.ServeRoles.Serving;
import dev.parley.protocol.HostPort;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The reachable bots of {@code parley bots --self-organizing}: their {@link ServeRoles} (in this
 * JVM or a child one) and what the benchmark sees of them. A sampler every {@value #SAMPLE_MS} ms
 * takes the roles' serving super nodes, counts promotions (a role starts serving) and demotions
 * (a role stops serving that this benchmark did not kill), and keeps a series of the super-node
 * count every second (at most {@value #MAX_SERIES} points). The bots' choices of a super node
 * ({@link #live}, {@link #busiest}) read the latest sample, at most {@value #SAMPLE_MS} ms old; a
 * kill removes its super node from it at once.
 */
final class ServingBots implements AutoCloseable {
    static final int SAMPLE_MS = 100;
    static final int MAX_SERIES = 600;
    private static final Logger log = LoggerFactory.getLogger(ServingBots.class);

    private final ServeRoles roles;
    private final boolean[] killed; // guarded by this
    /** Per role, the generation of the super node serving at the last sample, 0 for none. */
    private final long[] last; // guarded by this
    private List<Serving> latest = List.of(); // guarded by this
    private List<HostPort> liveAddresses = List.of(); // guarded by this
    /** Killed super node address → when (System.nanoTime): its clients' rejoin times count from there. */
    final Map<HostPort, Long> killedAt = new ConcurrentHashMap<>();
    final AtomicInteger promotions = new AtomicInteger();
    final AtomicInteger demotions = new AtomicInteger();
    final AtomicInteger kills = new AtomicInteger();
    /** [seconds since start, serving super nodes] pairs. */
    final List<long[]> series = new ArrayList<>(); // guarded by itself
    private final long startNanos = System.nanoTime();
    private final ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor(
            new DefaultThreadFactory("bots-serving", true));
    private long nextSeriesS; // sampler thread only
    /** When the sampler first saw a serving bot (System.nanoTime), 0 before. */
    volatile long firstServingNanos;

    /**
     * Starts the sampler, then every role one after another (blocking); closes {@code roles} if one fails.
     *
     * @throws IOException if a role cannot start
     */
    ServingBots(ServeRoles roles) throws IOException {
        this.roles = roles;
        this.killed = new boolean[roles.count()];
        this.last = new long[roles.count()];
        sampler.scheduleAtFixedRate(this::sample, 0, SAMPLE_MS, TimeUnit.MILLISECONDS);
        try {
            for (int i = 0; i < roles.count(); i++) {
                roles.start(i);
            }
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
    }

    /** @return how many bots may serve */
    int count() {
        return roles.count();
    }

    /** @return the super nodes serving and ready (registered with the login server) at the last sample, ordered by address */
    synchronized List<HostPort> live() {
        return liveAddresses;
    }

    /** @return whether bot {@code i}'s role served at the last sample and was not killed since */
    synchronized boolean serving(int i) {
        return last[i] != 0;
    }

    /** @return the index of the serving bot with the most clients at the last sample, or -1 */
    synchronized int busiest() {
        int best = -1;
        int bestClients = -1;
        for (Serving s : latest) {
            if (s.clients() > bestClients) {
                best = s.index();
                bestClients = s.clients();
            }
        }
        return best;
    }

    /** Kills bot {@code i}'s role (and the super node it runs): its clients must rejoin elsewhere. */
    void kill(int i) throws IOException {
        long now = System.nanoTime();
        HostPort seen = null;
        synchronized (this) {
            if (killed[i]) {
                return;
            }
            killed[i] = true;
            for (Serving s : latest) {
                if (s.index() == i) {
                    seen = s.address();
                }
            }
            if (seen != null) { // before the kill: its clients' sessions may close before it returns
                killedAt.put(seen, now);
            }
            update(latest.stream().filter(s -> s.index() != i).toList());
            last[i] = 0;
        }
        HostPort killedAddress = roles.kill(i);
        if (killedAddress != null) {
            killedAt.putIfAbsent(killedAddress, now);
            kills.incrementAndGet();
        } else if (seen != null) {
            killedAt.remove(seen); // it had stopped serving already
        }
    }

    /** Starts bot {@code i}'s role again after {@link #kill} (it offers to serve again). */
    void restart(int i) throws IOException {
        synchronized (this) {
            if (!killed[i]) {
                return;
            }
            killed[i] = false;
        }
        roles.start(i);
    }

    private void sample() {
        List<Serving> now;
        try {
            now = roles.serving();
        } catch (IOException | RuntimeException e) {
            log.warn("sampling the serve roles: {}", e.toString());
            return;
        }
        synchronized (this) {
            long[] seen = new long[last.length];
            for (Serving s : now) {
                if (!killed[s.index()]) {
                    seen[s.index()] = s.generation();
                }
            }
            for (int i = 0; i < last.length; i++) {
                if (seen[i] != last[i]) {
                    if (seen[i] != 0) {
                        promotions.incrementAndGet();
                        if (firstServingNanos == 0) {
                            firstServingNanos = System.nanoTime();
                        }
                    } else if (!killed[i]) {
                        demotions.incrementAndGet();
                    }
                    last[i] = seen[i];
                }
            }
            update(now.stream().filter(s -> !killed[s.index()]).toList());
        }
        long seconds = (System.nanoTime() - startNanos) / 1_000_000_000L;
        if (seconds >= nextSeriesS) { // by the clock: a sample delayed by a slow child JVM does not skew the series
            nextSeriesS = seconds + 1;
            long serving;
            synchronized (this) {
                serving = latest.size();
            }
            synchronized (series) {
                if (series.size() < MAX_SERIES) {
                    series.add(new long[] {seconds, serving});
                }
            }
        }
    }

    private void update(List<Serving> now) { // guarded by this
        latest = now;
        liveAddresses = now.stream().filter(Serving::ready).map(Serving::address)
                .sorted(Comparator.comparing(HostPort::toString)).toList();
    }

    /** Stops the sampler (waiting at most 2 s for a sample in progress: it may be asking the child JVM), then the roles. */
    @Override
    public void close() {
        sampler.shutdownNow();
        try {
            sampler.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        roles.close();
    }
}
