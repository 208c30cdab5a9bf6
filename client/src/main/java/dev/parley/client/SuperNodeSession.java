package dev.parley.client;

import com.google.protobuf.ByteString;
import dev.parley.protocol.ControlConnection;
import dev.parley.protocol.Credentials;
import dev.parley.protocol.Ed25519KeyPair;
import dev.parley.protocol.HostPort;
import dev.parley.protocol.PresenceRecords;
import dev.parley.protocol.wire.CallSignal;
import dev.parley.protocol.wire.Candidate;
import dev.parley.protocol.wire.Credential;
import dev.parley.protocol.wire.Envelope;
import dev.parley.protocol.wire.ErrorCode;
import dev.parley.protocol.wire.Keepalive;
import dev.parley.protocol.wire.Register;
import dev.parley.protocol.wire.Registered;
import dev.parley.protocol.wire.RelayAllocate;
import dev.parley.protocol.wire.RelayAllocated;
import dev.parley.protocol.wire.RelayRelease;
import dev.parley.protocol.wire.Search;
import dev.parley.protocol.wire.SearchResult;
import dev.parley.protocol.wire.ServerHello;
import io.netty.channel.EventLoopGroup;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A client's registered session with one super node (design flow 2): REGISTER with the credential
 * and a signature over the super node's nonce, then SEARCH and call signalling.
 */
public final class SuperNodeSession implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SuperNodeSession.class);
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(3);
    /** How often a quiet session tells its super node it is alive, ms (its idle timeout is 5 min). */
    static final long KEEPALIVE_INTERVAL_MS = 60_000;
    /** How many host-cache entries are tried at once when joining. */
    public static final int PARALLEL_JOIN_ATTEMPTS = 3;

    private final ControlConnection connection;
    private final HostPort superNode;
    private final Registered registered;
    /** This connection's {@code ServerHello}: the nonce a re-registration's proof signs, and the advertised address. */
    private final byte[] nonce;
    private final HostPort advertised;
    /** Completes with the super node's words when the same account signed in elsewhere and replaced this session. */
    private final CompletableFuture<String> displaced;
    /** When the current presence was signed; a re-registration must sign later. */
    private final AtomicLong presenceSignedAtMs;

    private SuperNodeSession(ControlConnection connection, HostPort superNode, Registered registered, byte[] nonce,
            HostPort advertised, long presenceSignedAtMs, CompletableFuture<String> displaced) {
        this.displaced = displaced;
        this.connection = connection;
        this.superNode = superNode;
        this.registered = registered;
        this.nonce = nonce;
        this.advertised = advertised;
        this.presenceSignedAtMs = new AtomicLong(presenceSignedAtMs);
        keepAlive(connection);
    }

    /**
     * Sends a {@code Keepalive} every {@value #KEEPALIVE_INTERVAL_MS} ms while the connection is
     * open: the super node closes a session that stays silent for its idle timeout (5 min), and NATs
     * and firewalls forget quiet TCP flows. A lost answer is not an error (the connection's own close
     * is what ends the session).
     */
    private static void keepAlive(ControlConnection connection) {
        var timer = connection.channel().eventLoop().scheduleAtFixedRate(
                () -> connection.request(Envelope.newBuilder().setKeepalive(Keepalive.getDefaultInstance()))
                        .exceptionally(e -> null),
                KEEPALIVE_INTERVAL_MS, KEEPALIVE_INTERVAL_MS, TimeUnit.MILLISECONDS);
        connection.closeFuture().thenRun(() -> timer.cancel(false));
    }

    /**
     * Registers with one super node.
     *
     * @param group event loops
     * @param superNode where to connect
     * @param credential the client's credential from the login server
     * @param identity the key pair the credential certifies (proves possession)
     * @param candidates the client's media candidates
     * @param signals receives call signals pushed by the super node (on a network event loop:
     *     hand them off, don't block)
     * @return completes with the registered session, or exceptionally (connect failure,
     *     {@link dev.parley.protocol.ProtocolException} from the super node)
     */
    public static CompletableFuture<SuperNodeSession> register(EventLoopGroup group, HostPort superNode,
            Credential credential, Ed25519KeyPair identity, List<Candidate> candidates, Consumer<CallSignal> signals) {
        return register(group, superNode, credential, identity, candidates, signals, InstantSource.system());
    }

    /**
     * Registers with one super node, signing the presence record (see {@code PresenceRecords}) for the
     * super node's advertised address (from its {@code ServerHello}) at {@code clock}'s time.
     *
     * @return as {@link #register(EventLoopGroup, HostPort, Credential, Ed25519KeyPair, List, Consumer)}
     */
    public static CompletableFuture<SuperNodeSession> register(EventLoopGroup group, HostPort superNode,
            Credential credential, Ed25519KeyPair identity, List<Candidate> candidates, Consumer<CallSignal> signals,
            InstantSource clock) {
        CompletableFuture<ServerHello> hello = new CompletableFuture<>();
        CompletableFuture<String> displaced = new CompletableFuture<>();
        Consumer<Envelope> pushes = env -> {
            if (env.hasServerHello()) {
                hello.complete(env.getServerHello());
            } else if (env.hasCallSignal()) {
                signals.accept(env.getCallSignal());
            } else if (env.hasError()) {
                log.warn("super node {}: {}", superNode, env.getError().getMessage());
                if (env.getError().getCode() == ErrorCode.NOT_REGISTERED) { // the same account signed in elsewhere
                    displaced.complete(env.getError().getMessage());
                }
            }
        };
        return ControlConnection.connect(group, superNode, ClientTls.superNodes(), pushes, CONNECT_TIMEOUT).thenCompose(conn -> {
            conn.closeFuture().thenRun(() -> hello.completeExceptionally(
                    new IOException("super node " + superNode + " closed the connection before its hello")));
            return hello.thenCompose(h -> {
                byte[] nonce = h.getNonce().toByteArray();
                HostPort advertised = h.hasAddress() ? HostPort.of(h.getAddress()) : superNode;
                long signedAt = clock.millis();
                return conn.request(registerRequest(credential, identity, candidates, nonce, advertised, signedAt))
                        .thenApply(env -> new SuperNodeSession(conn, superNode, env.getRegistered(), nonce, advertised,
                                signedAt, displaced));
            })
                    .whenComplete((s, e) -> {
                        if (e != null) {
                            conn.close();
                        }
                    });
        });
    }

    private static Envelope.Builder registerRequest(Credential credential, Ed25519KeyPair identity,
            List<Candidate> candidates, byte[] nonce, HostPort advertised, long signedAt) {
        byte[] presence = PresenceRecords.sign(identity, credential.getUsername(), advertised, candidates, signedAt);
        return Envelope.newBuilder().setRegister(Register.newBuilder()
                .setCredential(credential)
                .setProof(ByteString.copyFrom(identity.sign(Credentials.registerProofInput(nonce))))
                .addAllCandidates(candidates)
                .setPresenceSignature(ByteString.copyFrom(presence))
                .setPresenceSignedAtMs(signedAt));
    }

    /**
     * Registers again on this connection with a renewed credential and a newly signed presence
     * (signed later than the current one); the super node replaces the presence record and keeps
     * the connection, so calls in progress are unaffected.
     *
     * @return completes when the super node accepted, or exceptionally with its refusal (the session
     *     stays as it was)
     */
    public CompletableFuture<Void> reregister(Credential credential, Ed25519KeyPair identity, List<Candidate> candidates,
            InstantSource clock) {
        long signedAt = presenceSignedAtMs.updateAndGet(last -> Math.max(clock.millis(), last + 1));
        return connection.request(registerRequest(credential, identity, candidates, nonce, advertised, signedAt))
                .thenApply(env -> null);
    }

    /**
     * Joins the overlay through the first of several super nodes to accept the registration; the
     * first {@link #PARALLEL_JOIN_ATTEMPTS} are tried at once, then the next batch, and so on.
     *
     * @return completes with the first registered session, or exceptionally with the last failure
     */
    public static CompletableFuture<SuperNodeSession> join(EventLoopGroup group, List<HostPort> superNodes,
            Credential credential, Ed25519KeyPair identity, List<Candidate> candidates, Consumer<CallSignal> signals) {
        return join(group, superNodes, credential, identity, candidates, signals, InstantSource.system(), JoinObserver.NONE);
    }

    /** Learns how each join attempt went (for host-cache scoring); called on network threads. */
    public interface JoinObserver {
        /** Ignores everything. */
        JoinObserver NONE = new JoinObserver() {
            @Override
            public void succeeded(HostPort superNode, long rttMs) {}

            @Override
            public void failed(HostPort superNode) {}
        };

        /** @param rttMs time from connecting to {@code Registered}, in ms */
        void succeeded(HostPort superNode, long rttMs);

        void failed(HostPort superNode);
    }

    /**
     * Joins as {@link #join(EventLoopGroup, List, Credential, Ed25519KeyPair, List, Consumer)},
     * reporting every attempt to {@code observer} (a session that lost the race still counts as a success).
     *
     * @param superNodes candidates, best first (e.g. {@link HostCache#best(int)})
     * @param clock time for the presence signature
     */
    public static CompletableFuture<SuperNodeSession> join(EventLoopGroup group, List<HostPort> superNodes,
            Credential credential, Ed25519KeyPair identity, List<Candidate> candidates, Consumer<CallSignal> signals,
            InstantSource clock, JoinObserver observer) {
        if (superNodes.isEmpty()) {
            return CompletableFuture.failedFuture(new IOException("no super node known: log in to the login server first"));
        }
        List<HostPort> batch = superNodes.subList(0, Math.min(PARALLEL_JOIN_ATTEMPTS, superNodes.size()));
        List<HostPort> rest = superNodes.subList(batch.size(), superNodes.size());
        CompletableFuture<SuperNodeSession> winner = new CompletableFuture<>();
        AtomicInteger failed = new AtomicInteger();
        AtomicBoolean decided = new AtomicBoolean();
        for (HostPort sn : batch) {
            long startNanos = System.nanoTime();
            register(group, sn, credential, identity, candidates, signals, clock).whenComplete((session, e) -> {
                if (e == null) {
                    observer.succeeded(sn, (System.nanoTime() - startNanos) / 1_000_000);
                } else {
                    observer.failed(sn);
                }
                if (e == null) {
                    if (decided.compareAndSet(false, true)) {
                        winner.complete(session);
                    } else {
                        session.close(); // lost the race
                    }
                    return;
                }
                if (failed.incrementAndGet() < batch.size()) {
                    return; // others of this batch may still succeed
                }
                if (decided.compareAndSet(false, true)) {
                    if (rest.isEmpty()) {
                        winner.completeExceptionally(e);
                    } else {
                        join(group, rest, credential, identity, candidates, signals, clock, observer).whenComplete((s, e2) -> {
                            if (e2 == null) {
                                winner.complete(s);
                            } else {
                                winner.completeExceptionally(e2);
                            }
                        });
                    }
                }
            });
        }
        return winner;
    }

    /** @return the super node this session is registered with */
    public HostPort superNode() {
        return superNode;
    }

    /** @return the local IP address of the connection to the super node: reachable by peers on that network */
    public String localHost() {
        return ((InetSocketAddress) connection.channel().localAddress()).getAddress().getHostAddress();
    }

    /** @return super-node addresses shared on registration */
    public List<HostPort> sharedSuperNodes() {
        return registered.getSuperNodesList().stream().map(HostPort::of).toList();
    }

    /**
     * Searches the overlay for a user.
     *
     * @return completes with the result (found or not), or exceptionally with a protocol error
     */
    public CompletableFuture<SearchResult> search(String username) {
        return connection.request(Envelope.newBuilder().setSearch(Search.newBuilder().setUsername(username)))
                .thenApply(Envelope::getSearchResult);
    }

    /**
     * Sends a call signal; the super node acknowledges once it is delivered to the callee's super node.
     *
     * @return completes when acknowledged, or exceptionally (e.g. USER_OFFLINE)
     */
    public CompletableFuture<Void> signal(CallSignal signal) {
        return connection.request(Envelope.newBuilder().setCallSignal(signal)).thenApply(env -> null);
    }

    /**
     * Asks the super node for a media relay allocation (docs/nat.md).
     *
     * @return completes with the allocation, or exceptionally (RATE_LIMITED when a quota is reached)
     */
    public CompletableFuture<RelayAllocated> allocateRelay(String callId) {
        return connection.request(Envelope.newBuilder().setRelayAllocate(
                RelayAllocate.newBuilder().setCallId(callId))).thenApply(Envelope::getRelayAllocated);
    }

    /** Releases a relay allocation (push, no answer). */
    public void releaseRelay(long allocationId) {
        connection.send(Envelope.newBuilder().setRelayRelease(
                RelayRelease.newBuilder().setAllocationId(allocationId)));
    }

    /** @return true while the connection to the super node is open */
    public boolean isActive() {
        return connection.isActive();
    }

    /**
     * @return completes with the super node's message ("signed in from another place") when the same
     *     account registered elsewhere and replaced this session; never completes otherwise
     */
    public CompletableFuture<String> displaced() {
        return displaced;
    }

    /** @return completes when the connection to the super node closes */
    public CompletableFuture<Void> closeFuture() {
        return connection.closeFuture();
    }

    @Override
    public void close() {
        connection.close();
    }
}
