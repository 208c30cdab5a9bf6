package dev.parley.supernode;

import dev.parley.protocol.ControlConnection;
import dev.parley.protocol.Futures;
import dev.parley.protocol.HostPort;
import dev.parley.protocol.ProtocolException;
import dev.parley.protocol.tls.KeyVerifier;
import dev.parley.protocol.tls.Tls;
import dev.parley.protocol.wire.Envelope;
import dev.parley.protocol.wire.PeerHello;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.ssl.SslContext;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Outgoing control connections to peer super nodes: opened lazily, one per peer, reused by all
 * requests, and dropped on failure so that the next request reconnects.
 *
 * <p>The first frame on each connection is a {@code PeerHello} push carrying this super node's
 * advertised address; pushes received on these connections (the peer's {@code ServerHello}) are
 * ignored. The map holds futures so concurrent first requests share one connect attempt; it is
 * updated with atomic compare-and-set operations only (no locks).
 */
final class PeerConnections implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(PeerConnections.class);

    private final EventLoopGroup group;
    private final HostPort self;
    private final Duration connectTimeout;
    private final ConcurrentHashMap<HostPort, CompletableFuture<ControlConnection>> connections = new ConcurrentHashMap<>();
    private volatile boolean closed;
    private final SslContext tls;

    /**
     * @param group event loops for the outgoing channels
     * @param self this super node's advertised address, sent in {@code PeerHello}
     * @param connectTimeout TCP connect timeout per attempt
     */
    PeerConnections(EventLoopGroup group, HostPort self, Duration connectTimeout) {
        // Peers' keys are not certified yet: encrypted, not authenticated by TLS (docs/security.md).
        this.tls = Tls.client(KeyVerifier.anyKey());
        this.group = group;
        this.self = self;
        this.connectTimeout = connectTimeout;
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

    private static boolean usable(CompletableFuture<ControlConnection> f) {
        return !f.isDone() || (!f.isCompletedExceptionally() && f.join().isActive());
    }

    private void open(HostPort peer, CompletableFuture<ControlConnection> fresh) {
        ControlConnection.connect(group, peer, tls, push -> log.debug("{}: ignoring push {}", peer, push.getBodyCase()),
                connectTimeout).whenComplete((c, e) -> {
                    if (e != null) {
                        connections.remove(peer, fresh);
                        log.debug("cannot connect to peer {}: {}", peer, e.getMessage());
                        fresh.completeExceptionally(e);
                        return;
                    }
                    // PeerHello goes out before any request: send() writes immediately on the loop.
                    c.send(Envelope.newBuilder().setPeerHello(PeerHello.newBuilder().setAddress(self.toAddress())));
                    c.closeFuture().thenRun(() -> connections.remove(peer, fresh));
                    fresh.complete(c);
                    if (closed) {
                        c.close();
                    }
                });
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
