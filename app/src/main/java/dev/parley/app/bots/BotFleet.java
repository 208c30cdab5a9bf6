package dev.parley.app.bots;

import dev.parley.client.LoginClient;
import dev.parley.client.SuperNodeSession;
import dev.parley.protocol.Ed25519KeyPair;
import dev.parley.protocol.HostPort;
import dev.parley.protocol.ProtocolException;
import dev.parley.protocol.tls.KeyPin;
import dev.parley.protocol.tls.Tls;
import dev.parley.protocol.wire.ErrorCode;
import dev.parley.protocol.wire.LoginResult;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.ssl.SslContext;
import java.io.IOException;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * M bots on one shared event loop group: account creation and login through the real login
 * protocol, then registration with a super node each (chosen uniformly with the seed), with at
 * most {@value #MAX_IN_FLIGHT} operations in flight.
 */
final class BotFleet implements AutoCloseable {
    /** Concurrent logins or registrations. */
    static final int MAX_IN_FLIGHT = 128;
    private static final int MAX_ATTEMPTS = 5;
    /** Attempts of a registration refused as SUPER_NODE_FULL, {@value #FULL_RETRY_MS} ms apart (within forAll's 120 s). */
    private static final int MAX_FULL_ATTEMPTS = 60;
    private static final long FULL_RETRY_MS = 500;

    final List<Bot> bots = new ArrayList<>();
    final List<Bot> stable = new ArrayList<>();
    final List<Bot> churners = new ArrayList<>();
    private final EventLoopGroup group;
    private final InstantSource clock;
    volatile byte[] serverKey;
    /** Every super node a login answer named (the login server's directory, up to 7 per answer). */
    final Set<HostPort> superNodesNamed = ConcurrentHashMap.newKeySet();

    /**
     * @param count number of bots
     * @param churnShare share of bots that churn (0..1)
     * @param seed seeds keys and super-node choice
     */
    BotFleet(EventLoopGroup group, InstantSource clock, int count, double churnShare, long seed) {
        this.group = group;
        this.clock = clock;
        SplittableRandom random = new SplittableRandom(seed);
        int churning = churnShare <= 0 ? 0 : Math.max(1, (int) Math.round(count * churnShare));
        for (int i = 0; i < count; i++) {
            byte[] seedBytes = new byte[Ed25519KeyPair.KEY_BYTES];
            random.nextBytes(seedBytes);
            Bot b = new Bot(i, String.format("bot%05d", i), Ed25519KeyPair.fromSeed(seedBytes), i < churning);
            bots.add(b);
            (b.churner ? churners : stable).add(b);
        }
    }

    /**
     * Creates every account and logs every bot in (retrying RATE_LIMITED); returns the time taken in ms.
     * Every bot's login server key must be the first one seen (one pin for the fleet).
     */
    long loginAll(HostPort login) throws Exception {
        long start = System.nanoTime();
        KeyPin pin = KeyPin.inMemory("login server");
        SslContext loginTls = Tls.client(pin.verifier());
        forAll(bots, b -> LoginClient.login(group, login, loginTls, b.username, b.password(), b.key.publicKey(), true)
                .thenAccept((LoginResult r) -> {
                    b.credential = r.getCredential();
                    serverKey = r.getServerPublicKey().toByteArray();
                    r.getSuperNodesList().forEach(a -> superNodesNamed.add(HostPort.of(a)));
                }));
        return (System.nanoTime() - start) / 1_000_000;
    }

    /** Registers every bot with a super node chosen with {@code seed}; returns the time taken in ms. */
    long registerAll(List<HostPort> superNodes, long seed) throws Exception {
        SplittableRandom random = new SplittableRandom(seed ^ 0x5eed);
        for (Bot b : bots) {
            b.superNode = superNodes.get(random.nextInt(superNodes.size()));
        }
        long start = System.nanoTime();
        forAll(bots, this::register);
        return (System.nanoTime() - start) / 1_000_000;
    }

    /** Registers one bot with its current super node. */
    CompletableFuture<Void> register(Bot b) {
        return register(b, null);
    }

    /** As {@link #register(Bot)}, for a rejoin after losing {@code lost} (named to the new super node, as clients do). */
    CompletableFuture<Void> register(Bot b, @Nullable HostPort lost) {
        return SuperNodeSession.register(group, b.superNode, serverKey, b.credential, b.key, List.of(), signal -> { },
                clock, lost)
                .thenAccept(b::registered);
    }

    /** Runs {@code op} on every bot, at most {@value #MAX_IN_FLIGHT} at once, retrying connect failures, RATE_LIMITED and SUPER_NODE_FULL. */
    void forAll(List<Bot> list, Function<Bot, CompletableFuture<Void>> op) throws Exception {
        Semaphore slots = new Semaphore(MAX_IN_FLIGHT);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        AtomicInteger done = new AtomicInteger();
        for (Bot b : list) {
            if (failure.get() != null) {
                break;
            }
            if (!slots.tryAcquire(60, TimeUnit.SECONDS)) {
                throw new IOException("no progress for 60 s");
            }
            attempt(b, op, 1).whenComplete((x, e) -> {
                if (e != null) {
                    failure.compareAndSet(null, e);
                }
                done.incrementAndGet();
                slots.release();
            });
        }
        if (!slots.tryAcquire(MAX_IN_FLIGHT, 120, TimeUnit.SECONDS)) {
            throw new IOException("operations did not finish within 120 s");
        }
        if (failure.get() != null) {
            Throwable e = failure.get() instanceof CompletionException c && c.getCause() != null ? c.getCause() : failure.get();
            throw new IOException("bot setup failed after " + done.get() + " bots: " + e.getMessage(), e);
        }
    }

    private CompletableFuture<Void> attempt(Bot b, Function<Bot, CompletableFuture<Void>> op, int attempt) {
        return op.apply(b).handle((x, e) -> {
            Throwable cause = e instanceof CompletionException c && c.getCause() != null ? c.getCause() : e;
            if (cause == null) {
                return CompletableFuture.<Void>completedFuture(null);
            }
            // SUPER_NODE_FULL: a client tries another super node; a self-organizing bot's next
            // attempt picks one at random again, patiently: promotions catch up while the fleet registers.
            boolean full = cause instanceof ProtocolException pe && pe.code() == ErrorCode.SUPER_NODE_FULL;
            boolean retry = full ? attempt < MAX_FULL_ATTEMPTS : attempt < MAX_ATTEMPTS && (cause instanceof IOException
                    || cause instanceof ProtocolException pe && pe.code() == ErrorCode.RATE_LIMITED);
            if (!retry) {
                return CompletableFuture.<Void>failedFuture(cause);
            }
            CompletableFuture<Void> later = new CompletableFuture<>();
            group.schedule(() -> attempt(b, op, attempt + 1).whenComplete((y, e2) -> {
                if (e2 == null) {
                    later.complete(null);
                } else {
                    later.completeExceptionally(e2);
                }
            }), full ? FULL_RETRY_MS : 50L * attempt, TimeUnit.MILLISECONDS);
            return later;
        }).thenCompose(f -> f);
    }

    @Override
    public void close() {
        for (Bot b : bots) {
            SuperNodeSession s = b.session;
            if (s != null) {
                s.close();
            }
        }
    }
}
