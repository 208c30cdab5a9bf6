package dev.parley.client;

import com.google.protobuf.ByteString;
import dev.parley.protocol.ControlConnection;
import dev.parley.protocol.Credentials;
import dev.parley.protocol.Ed25519KeyPair;
import dev.parley.protocol.HostPort;
import dev.parley.protocol.PresenceRecords;
import dev.parley.protocol.ProtocolException;
import dev.parley.protocol.SuperNodeCertificates;
import dev.parley.protocol.tls.ChannelBinding;
import dev.parley.protocol.wire.CallSignal;
import dev.parley.protocol.wire.Candidate;
import dev.parley.protocol.wire.ChatPacket;
import dev.parley.protocol.wire.Credential;
import dev.parley.protocol.wire.Envelope;
import dev.parley.protocol.wire.ErrorCode;
import dev.parley.protocol.wire.Keepalive;
import dev.parley.protocol.wire.MailboxAck;
import dev.parley.protocol.wire.MailboxContents;
import dev.parley.protocol.wire.MailboxFetch;
import dev.parley.protocol.wire.PresenceWill;
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
import java.security.cert.CertificateException;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A client's registered session with one super node (design flow 2): the super node's certificate
 * checked first (from its {@code ServerHello}: signed by the pinned login server key, valid, for the
 * key TLS presented and the address dialled; else the super node is refused with
 * {@link UntrustedSuperNodeException} and the join tries the next one), then REGISTER with the
 * credential and a proof bound to this connection (nonce, the super node's certified key, the TLS
 * exporter when the JDK has one: {@link Credentials#registerProofInput}), then SEARCH and call signalling.
 */
public final class SuperNodeSession implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SuperNodeSession.class);
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(3);
    /**
     * How long a super node has to send its {@code ServerHello} once TLS is up, ms: it sends it at
     * once, and one that stays silent must not hold a join attempt until the connection's idle timeout.
     */
    static final long HELLO_TIMEOUT_MS = 5_000;
    /** How often a quiet session tells its super node it is alive, ms (its idle timeout is 5 min). */
    static final long KEEPALIVE_INTERVAL_MS = 60_000;

    private final ControlConnection connection;
    private final HostPort superNode;
    private final Registered registered;
    /** This connection's {@code ServerHello}: the nonce a re-registration's proof signs, and the advertised address. */
    private final byte[] nonce;
    /** The super node's certified key and this connection's exporter (null without one): what proofs bind to. */
    private final byte[] nodeKey;
    private final byte @Nullable [] exporter;
    private final HostPort advertised;
    /** Completes with the super node's words when the same account signed in elsewhere and replaced this session. */
    private final CompletableFuture<String> displaced;
    /** When the current presence was signed; a re-registration must sign later. */
    private final AtomicLong presenceSignedAtMs;

    private SuperNodeSession(ControlConnection connection, HostPort superNode, Registered registered, Binding binding,
            long presenceSignedAtMs, CompletableFuture<String> displaced) {
        this.displaced = displaced;
        this.connection = connection;
        this.superNode = superNode;
        this.registered = registered;
        this.nonce = binding.nonce();
        this.nodeKey = binding.nodeKey();
        this.exporter = binding.exporter();
        this.advertised = binding.advertised();
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
     * What a registration on one connection is bound to.
     *
     * @param nonce the super node's {@code ServerHello} nonce
     * @param nodeKey its certified node key (the key TLS presented)
     * @param exporter the connection's TLS exporter (RFC 9266), null when the JDK has none
     * @param advertised its certified address
     */
    private record Binding(byte[] nonce, byte[] nodeKey, byte @Nullable [] exporter, HostPort advertised) {}

    /**
     * Registers with one super node.
     *
     * @param group event loops
     * @param superNode where to connect
     * @param loginKey the pinned login server key, which must have signed the super node's certificate
     * @param credential the client's credential from the login server
     * @param identity the key pair the credential certifies (proves possession)
     * @param candidates the client's media candidates
     * @param signals receives call signals pushed by the super node (on a network event loop:
     *     hand them off, don't block)
     * @param clock time for the certificate check and the presence signature
     * @return completes with the registered session, or exceptionally: {@link UntrustedSuperNodeException}
     *     (the super node's certificate is missing, invalid, expired, from another login server, or
     *     names another key or address), a connect failure, an {@link IOException} when no
     *     {@code ServerHello} came within {@value #HELLO_TIMEOUT_MS} ms of the TLS handshake, a
     *     {@link TimeoutException} when {@code Registered} did not come within
     *     {@link ControlConnection#DEFAULT_REQUEST_TIMEOUT}, or {@link ProtocolException} from the super node
     */
    public static CompletableFuture<SuperNodeSession> register(EventLoopGroup group, HostPort superNode, byte[] loginKey,
            Credential credential, Ed25519KeyPair identity, List<Candidate> candidates, SuperNodePushes signals,
            InstantSource clock) {
        return register(group, superNode, loginKey, credential, identity, candidates, signals, clock, null);
    }

    /**
     * As above, for a rejoin: {@code lostSuperNode} is the super node whose connection dropped,
     * named in {@code Register.lost_super_node} so that the new super node checks it and, if it is
     * dead, the mesh stops answering searches with records naming it (docs/protocol.md "Dead super nodes").
     */
    public static CompletableFuture<SuperNodeSession> register(EventLoopGroup group, HostPort superNode, byte[] loginKey,
            Credential credential, Ed25519KeyPair identity, List<Candidate> candidates, SuperNodePushes signals,
            InstantSource clock, @Nullable HostPort lostSuperNode) {
        CompletableFuture<ServerHello> hello = new CompletableFuture<>();
        CompletableFuture<String> displaced = new CompletableFuture<>();
        // Set once the super node's certificate verified: its own notices count only from then on.
        AtomicBoolean verified = new AtomicBoolean();
        Consumer<Envelope> pushes = env -> {
            if (env.hasServerHello()) {
                hello.complete(env.getServerHello());
            } else if (env.hasCallSignal()) {
                signals.accept(env.getCallSignal());
            } else if (env.hasChatPacket()) {
                signals.chat(env.getChatPacket());
            } else if (env.hasPeerGone()) {
                if (verified.get()) {
                    signals.peerGone(env.getPeerGone());
                } else {
                    log.warn("super node {}: a peer-gone notice before its certificate verified: ignored", superNode);
                }
            } else if (env.hasError()) {
                log.warn("super node {}: {}", superNode, env.getError().getMessage());
                // the same device signed in again elsewhere, or the account on more devices than a super node keeps
                if (env.getError().getCode() == ErrorCode.NOT_REGISTERED || env.getError().getCode() == ErrorCode.TOO_MANY_DEVICES) {
                    displaced.complete(env.getError().getMessage());
                }
            }
        };
        return ControlConnection.connect(group, superNode, ClientTls.superNodes(), pushes, CONNECT_TIMEOUT).thenCompose(conn -> {
            conn.closeFuture().thenRun(() -> hello.completeExceptionally(
                    new IOException("super node " + superNode + " closed the connection before its hello")));
            var helloTimer = conn.channel().eventLoop().schedule(() -> hello.completeExceptionally(
                    new IOException("super node " + superNode + " sent no hello within " + HELLO_TIMEOUT_MS + " ms")),
                    HELLO_TIMEOUT_MS, TimeUnit.MILLISECONDS);
            hello.whenComplete((h, e) -> helloTimer.cancel(false));
            return hello.thenCompose(h -> {
                Binding binding;
                try {
                    binding = check(h, conn, superNode, loginKey, clock);
                    verified.set(true);
                } catch (UntrustedSuperNodeException e) {
                    log.warn("{}", e.getMessage());
                    return CompletableFuture.failedFuture(e);
                }
                long signedAt = clock.millis();
                Envelope.Builder request = registerRequest(credential, identity, candidates, binding, signedAt);
                if (lostSuperNode != null && !lostSuperNode.equals(superNode)) {
                    request.getRegisterBuilder().setLostSuperNode(lostSuperNode.toAddress());
                }
                return conn.request(request)
                        .thenApply(env -> new SuperNodeSession(conn, superNode, env.getRegistered(), binding,
                                signedAt, displaced));
            })
                    .whenComplete((s, e) -> {
                        if (e != null) {
                            conn.close();
                        }
                    });
        });
    }

    /** Checks the super node's certificate (docs/security.md "Certified super nodes"). */
    private static Binding check(ServerHello hello, ControlConnection conn, HostPort dialled, byte[] loginKey,
            InstantSource clock) throws UntrustedSuperNodeException {
        try {
            byte[] tlsKey = ChannelBinding.serverKey(conn.channel());
            SuperNodeCertificates.verifyPresented(loginKey, hello.hasCertificate() ? hello.getCertificate() : null,
                    tlsKey, dialled, clock.instant());
            return new Binding(hello.getNonce().toByteArray(), tlsKey, ChannelBinding.exporter(conn.channel()), dialled);
        } catch (ProtocolException | CertificateException e) {
            throw new UntrustedSuperNodeException("refusing super node " + dialled + ": " + e.getMessage(), e);
        }
    }

    private static Envelope.Builder registerRequest(Credential credential, Ed25519KeyPair identity,
            List<Candidate> candidates, Binding binding, long signedAt) {
        byte[] presence = PresenceRecords.sign(identity, credential.getUsername(), binding.advertised(), candidates, signedAt);
        byte[] proof = identity.sign(Credentials.registerProofInput(binding.nonce(), binding.nodeKey(), binding.exporter()));
        return Envelope.newBuilder().setRegister(Register.newBuilder()
                .setCredential(credential)
                .setProof(ByteString.copyFrom(proof))
                .setChannelBound(binding.exporter() != null)
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
        return connection.request(registerRequest(credential, identity, candidates,
                new Binding(nonce, nodeKey, exporter, advertised), signedAt)).thenApply(env -> null);
    }

    /** @return when this session's presence was last signed (its registration, or the last re-registration) */
    long presenceSignedAtMs() {
        return presenceSignedAtMs.get();
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
     * Searches for our own name beyond this session ({@code Search.elsewhere}): when this device is
     * its account's only one on this super node, where the account's other devices are (docs/protocol.md "Several devices").
     *
     * @return as {@link #search}
     */
    CompletableFuture<SearchResult> searchOtherDevices(String ownName) {
        return connection.request(Envelope.newBuilder().setSearch(Search.newBuilder().setUsername(ownName).setElsewhere(true)))
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
     * Sends a sealed chat packet (docs/protocol.md "Contacts, presence and messages").
     *
     * @return completes when delivered to the recipient's super node or kept by a mailbox replica;
     *     exceptionally with the super node's refusal (USER_OFFLINE, RATE_LIMITED, MAILBOX_FULL, …)
     */
    public CompletableFuture<Void> chat(ChatPacket packet) {
        return connection.request(Envelope.newBuilder().setChatPacket(packet)).thenApply(env -> null);
    }

    /** @return a page of this user's mailbox (packets kept while it was offline) */
    public CompletableFuture<MailboxContents> fetchMailbox() {
        return connection.request(Envelope.newBuilder().setMailboxFetch(MailboxFetch.getDefaultInstance()))
                .thenApply(Envelope::getMailboxContents);
    }

    /** Deletes delivered packets from this user's mailbox replicas (signed by this user). */
    public CompletableFuture<Void> ackMailbox(MailboxAck ack) {
        return connection.request(Envelope.newBuilder().setMailboxAck(ack)).thenApply(env -> null);
    }

    /** Leaves the packets the super node routes when this session ends (replacing earlier ones). */
    public CompletableFuture<Void> setWill(List<ChatPacket> will) {
        return connection.request(Envelope.newBuilder().setPresenceWill(PresenceWill.newBuilder().addAllPackets(will)))
                .thenApply(env -> null);
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
