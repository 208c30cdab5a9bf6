package dev.parley.app.bots;

import dev.parley.client.serve.ServeRole;
import dev.parley.client.serve.ServeSettings;
import dev.parley.protocol.HostPort;
import dev.parley.protocol.tls.KeyVerifier;
import dev.parley.protocol.tls.Tls;
import dev.parley.supernode.SuperNode;
import dev.parley.supernode.SuperNodeConfig;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.ssl.SslContext;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.nio.file.Path;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;

/**
 * The reachable bots of {@code parley bots --self-organizing}: each runs the real client
 * {@link ServeRole} (offer, reachability probe, promotion, an embedded {@link SuperNode} on its own
 * port of 127.0.0.1). A sampler every {@value #SAMPLE_MS} ms counts the serving super nodes,
 * promotions (a role starts serving) and demotions (a role stops serving that this benchmark did
 * not kill), and keeps a series of the super-node count every second (at most
 * {@value #MAX_SERIES} points).
 */
final class ServingBots implements AutoCloseable {
    static final int SAMPLE_MS = 100;
    static final int MAX_SERIES = 600;
    /**
     * The embedded super nodes serve thousands of bots from one address: their per-address
     * connection cap and per-client signal and search rates are raised (values, still on).
     */
    static final UnaryOperator<SuperNodeConfig> BOT_LIMITS = c -> c
            .withLimits(c.limits().withConnectionsPerAddress(1_000_000).withSignalLimits(200, 400, 200, 400))
            .withSearch(c.search().withRateLimit(200, 400));

    private final EventLoopGroup io;
    private final HostPort login;
    private final SslContext loginTls;
    private final byte[] loginKey;
    private final Path dir;
    private final long seed;
    private final ServeRole[] roles;
    private final SuperNode[] last;
    private final boolean[] killed; // sampler thread reads; kill() writes before closing
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
    private int samples; // sampler thread only
    /** When the sampler first saw a serving bot (System.nanoTime), 0 before. */
    volatile long firstServingNanos;

    /**
     * Starts a {@link ServeRole} for each of {@code count} bots (blocking: node keys are written).
     *
     * @param dir where the roles keep their node keys (one directory each)
     * @throws IOException if a node key cannot be written
     */
    ServingBots(EventLoopGroup io, HostPort login, byte[] loginKey, Path dir, int count, long seed) throws IOException {
        this.io = io;
        this.login = login;
        this.loginKey = loginKey;
        this.loginTls = Tls.client(KeyVerifier.pinned(loginKey, "login server"));
        this.dir = dir;
        this.seed = seed;
        this.roles = new ServeRole[count];
        this.last = new SuperNode[count];
        this.killed = new boolean[count];
        sampler.scheduleAtFixedRate(this::sample, 0, SAMPLE_MS, TimeUnit.MILLISECONDS);
        try {
            for (int i = 0; i < count; i++) {
                start(i);
            }
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
    }

    private synchronized void start(int i) throws IOException {
        try {
            SecureRandom random = SecureRandom.getInstance("SHA1PRNG");
            random.setSeed(seed * 100_003 + i);
            roles[i] = ServeRole.start(io, List.of(login), loginTls, loginKey, dir.resolve("serve" + i),
                    ServeSettings.DEFAULTS, InstantSource.system(), random, BOT_LIMITS);
            killed[i] = false;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** @return how many bots may serve */
    int count() {
        return roles.length;
    }

    /** @return the super nodes serving now and ready (registered with the login server) */
    synchronized List<SuperNode> live() {
        List<SuperNode> out = new ArrayList<>();
        for (ServeRole r : roles) {
            SuperNode sn = r == null ? null : r.superNode();
            if (sn != null && sn.ready().isDone() && !sn.ready().isCompletedExceptionally()) {
                out.add(sn);
            }
        }
        return out;
    }

    /** @return whether bot {@code i}'s role serves now */
    synchronized boolean serving(int i) {
        return roles[i] != null && roles[i].superNode() != null;
    }

    /** @return the index of the serving bot with the most clients, or -1 */
    synchronized int busiest() {
        int best = -1;
        int bestClients = -1;
        for (int i = 0; i < roles.length; i++) {
            SuperNode sn = roles[i] == null ? null : roles[i].superNode();
            if (sn != null && sn.onlineUsers() > bestClients) {
                best = i;
                bestClients = sn.onlineUsers();
            }
        }
        return best;
    }

    /** Kills bot {@code i}'s role (and the super node it runs): its clients must rejoin elsewhere. */
    void kill(int i) {
        ServeRole r;
        synchronized (this) {
            r = roles[i];
            if (r == null) {
                return;
            }
            roles[i] = null;
            killed[i] = true;
            SuperNode sn = r.superNode();
            if (sn != null) {
                killedAt.put(sn.advertisedAddress(), System.nanoTime());
                kills.incrementAndGet();
            }
        }
        r.close();
    }

    /** Restarts bot {@code i}'s role after {@link #kill} (it offers to serve again). */
    void restart(int i) throws IOException {
        synchronized (this) {
            if (roles[i] != null) {
                return;
            }
        }
        start(i);
    }

    private synchronized void sample() {
        for (int i = 0; i < roles.length; i++) {
            SuperNode sn = roles[i] == null ? null : roles[i].superNode();
            if (sn != last[i]) {
                if (sn != null) {
                    promotions.incrementAndGet();
                    if (firstServingNanos == 0) {
                        firstServingNanos = System.nanoTime();
                    }
                } else if (!killed[i]) {
                    demotions.incrementAndGet();
                }
                last[i] = sn;
            }
        }
        if (samples++ % (1000 / SAMPLE_MS) == 0) {
            long serving = Arrays.stream(last).filter(Objects::nonNull).count();
            synchronized (series) {
                if (series.size() < MAX_SERIES) {
                    series.add(new long[] {(System.nanoTime() - startNanos) / 1_000_000_000L, serving});
                }
            }
        }
    }

    /** @return the live super nodes ordered by address (stable for seeded choices) */
    List<HostPort> liveAddresses() {
        return live().stream().map(SuperNode::advertisedAddress).sorted(Comparator.comparing(HostPort::toString)).toList();
    }

    @Override
    public void close() {
        sampler.shutdownNow();
        for (int i = 0; i < roles.length; i++) {
            ServeRole r;
            synchronized (this) {
                r = roles[i];
                roles[i] = null;
                killed[i] = true;
            }
            if (r != null) {
                r.close();
            }
        }
    }
}
