package dev.parley.supernode;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import dev.parley.protocol.Credentials;
import dev.parley.protocol.HostPort;
import dev.parley.protocol.ProtocolException;
import dev.parley.protocol.wire.Envelope;
import dev.parley.protocol.wire.ErrorCode;
import dev.parley.protocol.wire.PeerLookup;
import dev.parley.protocol.wire.PeerLookupResult;
import dev.parley.protocol.wire.PresenceRecord;
import io.netty.util.concurrent.EventExecutor;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds the super node of a user who is not registered locally: first the positive cache, then
 * {@code PeerLookup}s to peer super nodes in waves.
 *
 * <p>Each wave asks its peers in parallel; the first verified "found" answer ends the search, and
 * a wave is over when every peer answered or {@code waveTimeout} passed (a dead or silent peer
 * never holds a search longer than that). Today there is a single wave with all known peers; the
 * expanding search only needs a different {@link #waves(List)}.
 *
 * <p>Answers are trusted only if the record's credential verifies with the login server's key and
 * names the user searched for, so a faulty peer cannot redirect calls. Positive answers are cached
 * for {@link #POSITIVE_CACHE_TTL} on a Caffeine cache driven by the injected clock; entries are
 * invalidated on local presence changes and when routing to them fails.
 */
final class UserLocator {
    private static final Logger log = LoggerFactory.getLogger(UserLocator.class);
    /** Lifetime of a cached positive answer: short, as a user may move or go offline at any time. */
    static final Duration POSITIVE_CACHE_TTL = Duration.ofSeconds(5);
    private static final int MAX_CACHED_USERS = 100_000;

    private final PeerConnections peers;
    private final Supplier<List<HostPort>> directory;
    private final Supplier<byte[]> serverKey;
    private final InstantSource clock;
    private final Duration waveTimeout;
    private final Cache<String, Location> cache;

    /**
     * @param peers connections to peer super nodes
     * @param directory the current peer super nodes (excluding this one)
     * @param serverKey the login server's public key, or {@code null} while unknown
     * @param clock time for credential checks and cache expiry
     * @param waveTimeout deadline of one wave
     */
    UserLocator(PeerConnections peers, Supplier<List<HostPort>> directory, Supplier<byte[]> serverKey,
            InstantSource clock, Duration waveTimeout) {
        this.peers = peers;
        this.directory = directory;
        this.serverKey = serverKey;
        this.clock = clock;
        this.waveTimeout = waveTimeout;
        this.cache = Caffeine.newBuilder()
                .expireAfterWrite(POSITIVE_CACHE_TTL)
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
     * @param timer executor for wave deadlines (the requesting connection's event loop)
     * @param useCache whether a cached answer may be used
     * @return never fails; "not found" when no peer has the user
     */
    CompletableFuture<SearchOutcome> locate(String username, EventExecutor timer, boolean useCache) {
        if (useCache) {
            Location hit = cache.getIfPresent(username);
            if (hit != null) {
                return CompletableFuture.completedFuture(new SearchOutcome(Optional.of(hit.asCached()), 0));
            }
        }
        CompletableFuture<SearchOutcome> result = new CompletableFuture<>();
        runWave(username, waves(directory.get()), 0, 0, timer, result);
        return result.whenComplete((outcome, e) -> outcome.location().ifPresent(l -> cache.put(username, l)));
    }

    /** Forgets the cached location of {@code username}. */
    void invalidate(String username) {
        cache.invalidate(username);
    }

    /** @return the peers each wave asks, in order (today: one wave with every known peer) */
    static List<List<HostPort>> waves(List<HostPort> peers) {
        return peers.isEmpty() ? List.of() : List.of(peers);
    }

    private void runWave(String username, List<List<HostPort>> waves, int index, int contacted,
            EventExecutor timer, CompletableFuture<SearchOutcome> result) {
        if (index == waves.size()) {
            result.complete(SearchOutcome.notFound(contacted));
            return;
        }
        List<HostPort> wave = waves.get(index);
        int contactedNow = contacted + wave.size();
        askAll(username, wave, timer).thenAccept(found -> {
            if (found.isPresent()) {
                result.complete(new SearchOutcome(found, contactedNow));
            } else {
                runWave(username, waves, index + 1, contactedNow, timer, result);
            }
        });
    }

    private CompletableFuture<Optional<Location>> askAll(String username, List<HostPort> wave, EventExecutor timer) {
        CompletableFuture<Optional<Location>> first = new CompletableFuture<>();
        AtomicInteger unanswered = new AtomicInteger(wave.size());
        ScheduledFuture<?> deadline = timer.schedule(() -> first.complete(Optional.empty()),
                waveTimeout.toMillis(), TimeUnit.MILLISECONDS);
        first.whenComplete((r, e) -> deadline.cancel(false));
        Envelope.Builder lookup = Envelope.newBuilder().setPeerLookup(PeerLookup.newBuilder().setUsername(username));
        for (HostPort peer : wave) {
            peers.request(peer, lookup.clone(), waveTimeout).whenComplete((response, e) -> {
                Optional<Location> found = e == null ? accept(username, peer, response) : Optional.empty();
                if (e != null) {
                    log.debug("peer {} did not answer a lookup of {}: {}", peer, username,
                            PeerConnections.unwrap(e).getMessage());
                }
                if (found.isPresent()) {
                    first.complete(found);
                } else if (unanswered.decrementAndGet() == 0) {
                    first.complete(Optional.empty());
                }
            });
        }
        return first;
    }

    private Optional<Location> accept(String username, HostPort peer, Envelope response) {
        if (!response.hasPeerLookupResult()) {
            log.warn("peer {} answered a lookup with {}", peer, response.getBodyCase());
            return Optional.empty();
        }
        PeerLookupResult result = response.getPeerLookupResult();
        if (!result.getFound()) {
            return Optional.empty();
        }
        PresenceRecord record = result.getRecord();
        byte[] key = serverKey.get();
        try {
            if (key == null) {
                throw new ProtocolException(ErrorCode.INTERNAL, "login server key not yet known");
            }
            if (!record.getCredential().getUsername().equals(username)) {
                throw new ProtocolException(ErrorCode.INVALID_CREDENTIAL,
                        "record is for '" + record.getCredential().getUsername() + "'");
            }
            Credentials.verify(key, record.getCredential(), clock.instant());
        } catch (ProtocolException e) {
            log.warn("peer {} answered an unverifiable record for {}: {}", peer, username, e.getMessage());
            return Optional.empty();
        }
        return Optional.of(new Location(record, peer, false));
    }
}
