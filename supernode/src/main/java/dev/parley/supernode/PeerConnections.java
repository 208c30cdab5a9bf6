package dev.parley.supernode;

import dev.parley.protocol.ControlConnection;
import dev.parley.protocol.Futures;
import dev.parley.protocol.HostPort;
import dev.parley.protocol.ProtocolException;
import dev.parley.protocol.tls.KeyVerifier;
import dev.parley.protocol.tls.Tls;
import dev.parley.protocol.wire.Envelope;
import dev.parley.protocol.wire.ErrorCode;
import dev.parley.protocol.wire.PeerHello;
import dev.parley.protocol.wire.ServerHello;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.ssl.SslContext;
import java.io.IOException;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Outgoing control connections to peer super nodes: opened lazily, one per peer, reused by all
 * requests, and dropped on failure so that the next request reconnects.
 *
 * <p>A connection is usable once authenticated both ways ({@link PeerHellos}): the peer's
 * {@code ServerHello} certificate must name the key its TLS handshake presented and the address
 * dialled, and the peer must accept this node's {@code PeerHello} (certificate and signature over the
 * peer's nonce); a failure fails the connection attempt. Later pushes are ignored. The map holds
 * futures so concurrent first requests share one connect attempt; it is updated with atomic
 * compare-and-set operations only (no locks).
 */
final class PeerConnections implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(PeerConnections.class);

    private final EventLoopGroup group;
    private final Duration connectTimeout;
    private final ConcurrentHashMap<HostPort, CompletableFuture<ControlConnection>> connections = new ConcurrentHashMap<>();
    private volatile boolean closed;
    private final SslContext tls;
    private final NodeIdentity identity;
    private final Supplier<byte @Nullable []> loginKey;
    private final InstantSource clock;

    /**
     * @param group event loops for the outgoing channels
     * @param connectTimeout TCP connect timeout per attempt, and then for each hello
     * @param identity this super node's keys and certificate (its {@code PeerHello})
     * @param loginKey the login server's key, which verifies the peers' certificates (none while unknown)
     * @param clock time of certificate checks
     */
    PeerConnections(EventLoopGroup group, Duration connectTimeout, NodeIdentity identity,
            Supplier<byte @Nullable []> loginKey, InstantSource clock) {
        // TLS takes any key: the peer's certificate in its ServerHello says which key it must be.
        this.tls = Tls.client(KeyVerifier.anyKey());
        this.group = group;
        this.connectTimeout = connectTimeout;
        this.identity = identity;
        this.loginKey = loginKey;
        this.clock = clock;
    }

    /**
     * Sends a request to a peer, connecting first if needed.
     *
     * @param peer the peer's advertised address
     * @param request the request (its id is assigned by the connection)
     * @param timeout response timeout, in addition to connecting
     * @return the response; exceptionally {@link ProtocolException} for an error answer (the
     *     connection is kept), or an I/O or timeout failure (the connection is dropped)
     */
    CompletableFuture<Envelope> request(HostPort peer, Envelope.Builder request, Duration timeout) {
        return connection(peer).thenCompose(c -> c.request(request, timeout).whenComplete((r, e) -> {
            if (e != null && !(unwrap(e) instanceof ProtocolException)) {
                drop(peer, c); // a peer that timed out or failed is reconnected from scratch next time
            }
        }));
    }

    /** @return the open (or opening) connection to {@code peer} */
    CompletableFuture<ControlConnection> connection(HostPort peer) {
        while (true) {
            if (closed) {
                return CompletableFuture.failedFuture(new IllegalStateException("super node is closed"));
            }
            CompletableFuture<ControlConnection> existing = connections.get(peer);
            if (existing != null && usable(existing)) {
                return existing;
            }
            CompletableFuture<ControlConnection> fresh = new CompletableFuture<>();
            boolean installed = existing == null
                    ? connections.putIfAbsent(peer, fresh) == null
                    : connections.replace(peer, existing, fresh);
            if (installed) {
                open(peer, fresh);
                return fresh;
            }
            // another thread installed a connection attempt first: use that one
        }
    }

    /** Call signals travel over TCP peer links: the first few are opened at once, not during a call's setup. */
    static final int EAGER_LINKS = 4;

    /**
     * Tops the open links up to {@link #EAGER_LINKS} from the directory (never to {@code self}). Only
     * up to: the directory's order rotates with every heartbeat, and opening its first few each time
     * once linked every super node to every other (100 super nodes: ~10,000 idle TLS links, which
     * ran the bots benchmark's overlay out of file descriptors). Other links open on first use.
     */
    void openFirst(List<HostPort> directory, HostPort self) {
        long missing = EAGER_LINKS - openOrOpening();
        directory.stream().filter(hp -> !hp.equals(self) && !has(hp)).limit(Math.max(0, missing))
                .forEach(hp -> connection(hp).exceptionally(e -> null)); // a failure shows on first use
    }

    /** @return the peer links open or being opened */
    long openOrOpening() {
        return connections.values().stream().filter(PeerConnections::usable).count();
    }

    /** @return whether a link to {@code peer} is open or being opened */
    boolean has(HostPort peer) {
        CompletableFuture<ControlConnection> f = connections.get(peer);
        return f != null && usable(f);
    }

    private static boolean usable(CompletableFuture<ControlConnection> f) {
        return !f.isDone() || (!f.isCompletedExceptionally() && f.join().isActive());
    }

    private void open(HostPort peer, CompletableFuture<ControlConnection> fresh) {
        CompletableFuture<ServerHello> hello = new CompletableFuture<>();
        Consumer<Envelope> pushes = push -> {
            if (push.hasServerHello()) {
                hello.complete(push.getServerHello());
            } else {
                log.debug("{}: ignoring push {}", peer, push.getBodyCase());
            }
        };
        ControlConnection.connect(group, peer, tls, pushes, connectTimeout).whenComplete((c, e) -> {
            if (e != null) {
                connections.remove(peer, fresh);
                log.debug("cannot connect to peer {}: {}", peer, e.getMessage());
                fresh.completeExceptionally(e);
                return;
            }
            c.closeFuture().thenRun(() -> {
                connections.remove(peer, fresh);
                hello.completeExceptionally(new IOException("peer " + peer + " closed the connection before its hello"));
            });
            hello.orTimeout(connectTimeout.toMillis(), TimeUnit.MILLISECONDS)
                    .thenCompose(h -> c.request(Envelope.newBuilder().setPeerHello(peerHello(h, c, peer)), connectTimeout))
                    .whenComplete((ok, failure) -> {
                        if (failure != null) {
                            connections.remove(peer, fresh);
                            log.info("peer link to {} refused: {}", peer, unwrap(failure).getMessage());
                            c.close();
                            fresh.completeExceptionally(unwrap(failure));
                            return;
                        }
                        fresh.complete(c);
                        if (closed) {
                            c.close();
                        }
                    });
        });
    }

    /** @throws CompletionException wrapping the {@link ProtocolException} if the peer is not certified for {@code peer} */
    private PeerHello peerHello(ServerHello hello, ControlConnection c, HostPort peer) {
        byte[] key = loginKey.get();
        try {
            if (key == null) {
                throw new ProtocolException(ErrorCode.INTERNAL, "login server key not yet known");
            }
            return PeerHellos.dial(hello, c.channel(), peer, key, identity, clock.instant());
        } catch (ProtocolException e) {
            throw new CompletionException(e);
        }
    }

    private void drop(HostPort peer, ControlConnection c) {
        CompletableFuture<ControlConnection> current = connections.get(peer);
        if (current != null && current.isDone() && !current.isCompletedExceptionally() && current.join() == c) {
            connections.remove(peer, current);
        }
        c.close();
    }

    static Throwable unwrap(Throwable e) {
        return Futures.unwrap(e);
    }

    /** Closes every peer connection; later requests fail. Idempotent. */
    @Override
    public void close() {
        closed = true;
        for (CompletableFuture<ControlConnection> f : connections.values()) {
            f.thenAccept(ControlConnection::close);
        }
        connections.clear();
    }
}
