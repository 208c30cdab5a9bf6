package dev.parley.supernode;

import dev.parley.protocol.ControlConnection;
import dev.parley.protocol.Ed25519KeyPair;
import dev.parley.protocol.HostPort;
import dev.parley.protocol.ProtocolException;
import dev.parley.protocol.tls.HandshakeFailedException;
import dev.parley.protocol.tls.KeyPin;
import dev.parley.protocol.tls.KeyVerifier;
import dev.parley.protocol.tls.Tls;
import dev.parley.protocol.wire.Envelope;
import dev.parley.protocol.wire.ErrorCode;
import dev.parley.protocol.wire.GetServerKey;
import dev.parley.protocol.wire.SuperNodeCertificate;
import dev.parley.protocol.wire.SuperNodeHeartbeat;
import io.netty.channel.EventLoop;
import io.netty.handler.ssl.SslContext;
import java.io.IOException;
import java.security.cert.CertificateException;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The super node's control connection to the login server.
 *
 * <p>Cycle: connect → {@code GetServerKey} → certificate ({@code EnrollSuperNode} with the
 * operator's token on the first start, else {@code RenewSuperNode}: either proves possession of the
 * node key on this connection, which the login server requires for heartbeats) →
 * {@code SuperNodeHeartbeat} every heartbeat interval, each answered by the
 * {@code SuperNodeDirectory} of peer super nodes and their certificates (handed to the mesh, which
 * verifies them). The certificate is renewed again at half-life, before a heartbeat. Any failure (refused
 * connection, error answer, timeout, closed connection) closes the connection and reconnects
 * after an exponential backoff ({@value #INITIAL_BACKOFF_MS} ms doubling up to
 * {@value #MAX_BACKOFF_MS} ms, reset by a successful heartbeat). The last known key and directory
 * stay in use meanwhile. With several login servers (sharing one database and key: docs/operations.md
 * "Scale-out") every reconnection goes to the next one in the configured order, so the link fails
 * over to a live one within one backoff, and stays there while it answers. A refused enrolment or
 * renewal fails {@link #ready()}; an expired certificate while the login server is unreachable is
 * logged as an error (clients and peers then refuse this super node). What to ask for, whether the
 * answer is usable and when to renew is {@link NodeCertification}'s.
 *
 * <p>The login server may push {@code SuperNodeQuery}s on this connection (who is online, drop a
 * user): {@link LoginQueries} answers them with a {@code SuperNodeQueryResult} push; heartbeats carry
 * this super node's load.
 *
 * <p>All mutable state is confined to one event loop; the key and directory are published through
 * volatile fields for the other loops.
 */
final class LoginLink implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LoginLink.class);
    static final long INITIAL_BACKOFF_MS = 100;
    static final long MAX_BACKOFF_MS = 5_000;
    /** How long the login server may take to answer one request. */
    static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);

    private final EventLoop loop;
    private final List<HostPort> logins;
    private int current; // loop only: index in logins of the login server (being) connected
    private final KeyPin loginKey;
    private final SslContext tls;
    private final HostPort self;
    private final Duration heartbeatInterval;
    private final NodeIdentity identity;
    private final NodeCertification certification;
    private final Consumer<List<SuperNodeCertificate>> onDirectory;
    private final LoginQueries queries;
    private final CompletableFuture<Void> ready = new CompletableFuture<>();
    private volatile byte @Nullable [] serverKey;
    private volatile List<HostPort> directory = List.of();
    private @Nullable ControlConnection connection; // loop only
    private long backoffMs = INITIAL_BACKOFF_MS; // loop only
    private boolean closed; // loop only
    /** File writes (pin, certificate), one after the other off the event loop; close waits for them. */
    private volatile CompletableFuture<Void> storing = CompletableFuture.completedFuture(null);

    /**
     * @param loop the event loop owning this link and its connection
     * @param logins the login servers' addresses, tried in this order (at least one; they share one key)
     * @param loginKey the login server's pinned key (TLS and the in-band key must both be it)
     * @param self this super node's advertised address (heartbeat payload, excluded from the directory)
     * @param heartbeatInterval period between heartbeats
     * @param identity this super node's keys and certificate (renewed here)
     * @param enrollToken the operator's one-time token, used when there is no certificate yet
     * @param clock time of requests and of the renewal schedule
     * @param onDirectory called with the peers' certificates of every directory received (on the link's loop)
     * @param queries the load sent in heartbeats, and the answers to the login server's queries
     */
    LoginLink(EventLoop loop, List<HostPort> logins, KeyPin loginKey, HostPort self, Duration heartbeatInterval,
            NodeIdentity identity, @Nullable String enrollToken, InstantSource clock,
            Consumer<List<SuperNodeCertificate>> onDirectory, LoginQueries queries) {
        this.queries = queries;
        this.identity = identity;
        this.certification = new NodeCertification(identity, enrollToken, self, clock);
        this.loginKey = loginKey;
        this.tls = Tls.client(loginKey.verifier());
        this.loop = loop;
        this.onDirectory = onDirectory;
        if (logins.isEmpty()) {
            throw new IllegalArgumentException("logins: none (expected: at least one login server)");
        }
        this.logins = List.copyOf(logins);
        this.self = self;
        this.heartbeatInterval = heartbeatInterval;
    }

    /** Starts connecting (asynchronously). */
    void start() {
        loop.execute(this::connect);
    }

    /** @return the login server's raw Ed25519 public key (none until it answered) */
    byte @Nullable [] serverKey() {
        return serverKey;
    }

    /** @return the peer super nodes of the latest directory (never this one); empty until the first */
    List<HostPort> directory() {
        return directory;
    }

    /**
     * @return completes once the key is known, this node certified and the first heartbeat answered;
     *     exceptionally with {@link HandshakeFailedException} if the login server is not the pinned
     *     one, or {@link ProtocolException} if it refused the enrolment or renewal
     */
    CompletableFuture<Void> ready() {
        return ready;
    }

    /** @return the login server connected, or being connected (loop only) */
    private HostPort login() {
        return logins.get(current);
    }

    private void connect() {
        if (closed) {
            return;
        }
        HostPort login = login();
        ControlConnection.connect(loop, login, tls, this::onPush, CONNECT_TIMEOUT).whenComplete((c, e) -> {
                    if (e != null) {
                        Throwable cause = PeerConnections.unwrap(e);
                        if (cause instanceof HandshakeFailedException) {
                            // Not the pinned login server: say so, and let a starting super node stop.
                            log.warn("{}", cause.getMessage());
                            ready.completeExceptionally(cause);
                        } else {
                            log.debug("cannot reach login server {}: {}", login, e.getMessage());
                        }
                        retryLater();
                        return;
                    }
                    if (closed) {
                        c.close();
                        return;
                    }
                    connection = c;
                    c.closeFuture().thenRun(() -> execute(() -> onClosed(c)));
                    fetchKey(c);
                });
    }

    /** A push from the login server (on the link's loop): its queries are answered, anything else ignored. */
    private void onPush(Envelope push) {
        ControlConnection c = connection;
        if (push.hasSupernodeQuery() && c != null) {
            c.send(Envelope.newBuilder().setSupernodeQueryResult(queries.answer(push.getSupernodeQuery())));
        } else {
            log.debug("login server push ignored: {}", push.getBodyCase());
        }
    }

    private void fetchKey(ControlConnection c) {
        c.request(Envelope.newBuilder().setGetServerKey(GetServerKey.getDefaultInstance()), REQUEST_TIMEOUT)
                .whenComplete((r, e) -> {
                    if (e != null) {
                        fail(c, "GetServerKey failed: " + PeerConnections.unwrap(e).getMessage());
                    } else if (!r.hasServerKey() || r.getServerKey().getPublicKey().size() != Ed25519KeyPair.KEY_BYTES) {
                        fail(c, String.format("GetServerKey answered %s with a %d-byte key (expected: %d)",
                                r.getBodyCase(), r.getServerKey().getPublicKey().size(), Ed25519KeyPair.KEY_BYTES));
                    } else {
                        byte[] key = r.getServerKey().getPublicKey().toByteArray();
                        try {
                            loginKey.checkSameKey(key);
                        } catch (CertificateException ce) {
                            fail(c, "GetServerKey: " + ce.getMessage());
                            return;
                        }
                        if (serverKey == null) {
                            log.info("login server {} key known ({})", login(), KeyVerifier.fingerprint(key));
                            store(this::pinLoginKey); // file I/O: off the event loop
                        }
                        serverKey = key;
                        certify(c);
                    }
                });
    }

    private void pinLoginKey() {
        try {
            loginKey.commit();
        } catch (IOException e) {
            log.warn("cannot store the login server's key in {}: {}", loginKey.where(), e.getMessage());
        }
    }

    /** Enrols (first start, with the token) or renews; either authenticates this connection for heartbeats. */
    private void certify(ControlConnection c) {
        if (closed || connection != c || !c.isActive()) {
            return;
        }
        boolean enrol = certification.enrols();
        Envelope.Builder request = certification.request(enrol);
        String what = enrol ? "enrolment" : "certificate renewal";
        c.request(request, REQUEST_TIMEOUT).whenComplete((r, e) -> {
            if (e != null) {
                Throwable cause = PeerConnections.unwrap(e);
                if (cause instanceof ProtocolException pe && pe.code() != ErrorCode.RATE_LIMITED
                        && pe.code() != ErrorCode.INTERNAL) {
                    log.error("login server {} refused the {} of super node {} ({}): {}", login(), what, self,
                            identity.fingerprint(), pe.getMessage());
                    ready.completeExceptionally(new ProtocolException(pe.code(), "login server " + login() + " refused the "
                            + what + " of this super node (key " + identity.fingerprint() + "): " + pe.getMessage()));
                }
                fail(c, what + " failed: " + cause.getMessage());
                return;
            }
            SuperNodeCertificate cert = r.getSupernodeCertificate();
            try {
                certification.accept(serverKey, cert);
            } catch (ProtocolException | IllegalArgumentException bad) {
                fail(c, what + " answered with an unusable certificate: " + bad.getMessage());
                return;
            }
            log.info("super node {} (key {}) certified until {}", self, identity.fingerprint(),
                    Instant.ofEpochMilli(cert.getExpiresAtMs()));
            store(this::storeCertificate); // file I/O: off the event loop
            heartbeat(c);
        });
    }

    private void store(Runnable write) {
        storing = storing.thenRunAsync(write);
    }

    /**
     * Waits for the file writes under way (blocking: not on an event loop), so that a closed super
     * node leaves no half-written data dir behind.
     */
    void awaitStored(Duration timeout) {
        try {
            storing.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            log.warn("data dir writes did not finish: {}", e.getMessage());
        }
    }

    private void storeCertificate() {
        try {
            identity.store();
        } catch (IOException e) {
            log.warn("cannot store the super-node certificate in the data dir: {}", e.getMessage());
        }
    }

    private void heartbeat(ControlConnection c) {
        if (closed || connection != c || !c.isActive()) {
            return;
        }
        if (certification.renewalDue()) {
            certify(c);
            return;
        }
        Envelope.Builder beat = Envelope.newBuilder()
                .setSupernodeHeartbeat(queries.load(SuperNodeHeartbeat.newBuilder().setAddress(self.toAddress())));
        c.request(beat, REQUEST_TIMEOUT).whenComplete((r, e) -> {
            if (e != null) {
                fail(c, "heartbeat failed: " + PeerConnections.unwrap(e).getMessage());
                return;
            }
            if (!r.hasSupernodeDirectory()) {
                fail(c, "heartbeat answered with " + r.getBodyCase() + " (expected: SuperNodeDirectory)");
                return;
            }
            List<HostPort> peers = new ArrayList<>();
            List<SuperNodeCertificate> certificates = new ArrayList<>();
            for (SuperNodeCertificate cert : r.getSupernodeDirectory().getCertificatesList()) {
                try {
                    HostPort peer = HostPort.of(cert.getAddress());
                    if (!peer.equals(self) && peer.port() != 0 && !peers.contains(peer)) {
                        peers.add(peer);
                        certificates.add(cert); // verified by the mesh (cached)
                    }
                } catch (IllegalArgumentException bad) {
                    log.debug("ignoring directory entry {}: {}", cert.getAddress(), bad.getMessage());
                }
            }
            directory = List.copyOf(peers);
            onDirectory.accept(List.copyOf(certificates));
            backoffMs = INITIAL_BACKOFF_MS;
            ready.complete(null);
            schedule(() -> heartbeat(c), heartbeatInterval.toMillis());
        });
    }

    private void fail(ControlConnection c, String why) {
        if (closed) {
            c.close(); // shutting down: the failure is expected, not news
            return;
        }
        log.warn("login server {}: {}; reconnecting", login(), why);
        c.close(); // onClosed schedules the reconnect
    }

    private void onClosed(ControlConnection c) {
        if (connection == c) {
            connection = null;
            retryLater();
        }
    }

    private void retryLater() {
        if (closed) {
            return;
        }
        certification.warnIfExpired(login());
        long delay = backoffMs;
        backoffMs = Math.min(backoffMs * 2, MAX_BACKOFF_MS);
        current = (current + 1) % logins.size(); // fail over: the next login server, round the list
        schedule(this::connect, delay);
    }

    private void schedule(Runnable task, long delayMs) {
        try {
            loop.schedule(task, delayMs, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            // the loop is shutting down with the super node
        }
    }

    private void execute(Runnable task) {
        try {
            loop.execute(task);
        } catch (RejectedExecutionException e) {
            // the loop is shutting down with the super node
        }
    }

    /** Stops heartbeats and closes the connection; idempotent. */
    @Override
    public void close() {
        execute(() -> {
            closed = true;
            if (connection != null) {
                connection.close();
                connection = null;
            }
        });
        ready.completeExceptionally(new IllegalStateException("super node closed before the login server answered"));
    }
}
