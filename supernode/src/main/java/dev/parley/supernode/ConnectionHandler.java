package dev.parley.supernode;

import com.google.protobuf.ByteString;
import dev.parley.protocol.Envelopes;
import dev.parley.protocol.HostPort;
import dev.parley.protocol.ProtocolException;
import dev.parley.protocol.Usernames;
import dev.parley.protocol.wire.CallSignal;
import dev.parley.protocol.wire.Envelope;
import dev.parley.protocol.wire.ErrorCode;
import dev.parley.protocol.wire.PeerLookupResult;
import dev.parley.protocol.wire.ServerHello;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves one accepted control connection. On activation it pushes {@code ServerHello} (fresh
 * 32-byte nonce, advertised address); the first {@code Register} request makes the connection a
 * client session (see {@link ClientMessages#verifyRegister}), the first {@code PeerHello} a peer super node link.
 *
 * <p>Error codes: requests needing a role sent before it is established get
 * {@link ErrorCode#NOT_REGISTERED} (the connection stays open); requests of the other role and
 * unknown or misplaced message types get {@link ErrorCode#BAD_REQUEST}. Error and Ok pushes are
 * ignored (never answered, so two misbehaving ends cannot ping-pong). A connection without a role
 * after {@link #ROLE_TIMEOUT} is closed.
 *
 * <p>All fields are confined to the channel's event loop; completions from other loops hop back.
 */
final class ConnectionHandler extends SimpleChannelInboundHandler<Envelope> {
    private static final Logger log = LoggerFactory.getLogger(ConnectionHandler.class);
    /** Bytes of the {@code ServerHello} nonce. */
    static final int NONCE_BYTES = 32;
    /** How long a connection may stay without {@code Register} or {@code PeerHello}. */
    static final Duration ROLE_TIMEOUT = Duration.ofSeconds(30);

    private enum Role { UNKNOWN, CLIENT, PEER, RELAY }

    private final NodeContext node;
    private final byte[] nonce = new byte[NONCE_BYTES];
    private Role role = Role.UNKNOWN;
    private Session session;
    private HostPort peer;
    private ScheduledFuture<?> roleTimer;
    private SearchRateLimiter searchLimiter; // created on the first search

    ConnectionHandler(NodeContext node) {
        this.node = node;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        node.random().nextBytes(nonce);
        ctx.writeAndFlush(Envelopes.builder(0).setServerHello(ServerHello.newBuilder()
                .setNonce(ByteString.copyFrom(nonce)).setAddress(node.advertised().toAddress())).build());
        roleTimer = ctx.executor().schedule(() -> {
            if (role == Role.UNKNOWN && ctx.channel().isActive()) {
                ctx.writeAndFlush(Envelopes.error(0, ErrorCode.BAD_REQUEST, String.format(
                        "no Register or PeerHello within %d ms", ROLE_TIMEOUT.toMillis())))
                        .addListener(ChannelFutureListener.CLOSE);
            }
        }, ROLE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        ctx.fireChannelActive();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (roleTimer != null) {
            roleTimer.cancel(false);
        }
        if (session != null && node.presence().remove(session)) {
            log.info("unregistered {} ({} disconnected)", session.username(), ctx.channel().remoteAddress());
            if (node.relay() != null) {
                node.relay().releaseAll(session.username());
            }
        }
        if (role == Role.RELAY) {
            node.relay().unbindTcp((InetSocketAddress) ctx.channel().remoteAddress());
        }
        ctx.fireChannelInactive();
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, Envelope msg) {
        long id = msg.getRequestId();
        switch (msg.getBodyCase()) {
            case ERROR, OK -> log.debug("{}: ignoring {} push", ctx.channel().remoteAddress(), msg.getBodyCase());
            case REGISTER -> onRegister(ctx, msg);
            case PEER_HELLO -> onPeerHello(ctx, msg);
            case SEARCH, CALL_SIGNAL -> {
                if (requireRole(ctx, msg, Role.CLIENT)) {
                    if (msg.hasSearch()) {
                        search(ctx, id, msg.getSearch().getUsername());
                    } else {
                        callSignal(ctx, id, msg.getCallSignal());
                    }
                }
            }
            case PEER_LOOKUP, ROUTED_SIGNAL -> {
                if (requireRole(ctx, msg, Role.PEER)) {
                    if (msg.hasPeerLookup()) {
                        peerLookup(ctx, id, msg.getPeerLookup().getUsername());
                    } else {
                        routedSignal(ctx, id, msg.getRoutedSignal().getSignal());
                    }
                }
            }
            case RELAY_ALLOCATE, RELAY_RELEASE -> {
                if (node.relay() == null) {
                    ctx.writeAndFlush(Envelopes.error(id, ErrorCode.BAD_REQUEST, "this super node has no media relay"));
                } else if (msg.hasRelayRelease() && role == Role.CLIENT) {
                    node.relay().release(msg.getRelayRelease().getAllocationId(), session.username());
                } else if (msg.hasRelayAllocate() && requireRole(ctx, msg, Role.CLIENT)) {
                    relayAllocate(ctx, id);
                }
            }
            case RELAY_BIND_TCP -> relayBindTcp(ctx, id, msg.getRelayBindTcp().getToken().toByteArray());
            case RELAY_PACKET -> {
                int n = msg.getRelayPacket().getPacket().size();
                if (role != Role.RELAY) {
                    ctx.writeAndFlush(Envelopes.error(0, ErrorCode.BAD_REQUEST, "RELAY_PACKET before RelayBindTcp"))
                            .addListener(ChannelFutureListener.CLOSE);
                } else if (n == 0 || n > MAX_RELAY_PACKET_BYTES) {
                    ctx.writeAndFlush(Envelopes.error(0, ErrorCode.BAD_REQUEST, String.format(
                            "relayPacket: %d bytes (expected: 1..%d)", n, MAX_RELAY_PACKET_BYTES)))
                            .addListener(ChannelFutureListener.CLOSE);
                } else {
                    node.relay().fromTcp((InetSocketAddress) ctx.channel().remoteAddress(),
                            io.netty.buffer.Unpooled.wrappedBuffer(msg.getRelayPacket().getPacket().toByteArray()));
                }
            }
            default -> ctx.writeAndFlush(Envelopes.error(id, ErrorCode.BAD_REQUEST,
                    "unexpected message " + msg.getBodyCase() + " on a super node connection"));
        }
    }

    /** Largest packet relayed over TCP (an RTP packet fits a 1500-byte MTU). */
    static final int MAX_RELAY_PACKET_BYTES = 1500;

    private void relayAllocate(ChannelHandlerContext ctx, long id) {
        String owner = session.username();
        node.relay().allocate(owner).whenComplete((a, e) -> ctx.executor().execute(() -> {
            if (e != null) {
                Throwable c = dev.parley.protocol.Futures.unwrap(e);
                ctx.writeAndFlush(Envelopes.error(id, ErrorCode.RATE_LIMITED, c.getMessage()));
                return;
            }
            ctx.writeAndFlush(Envelopes.builder(id).setRelayAllocated(dev.parley.protocol.wire.RelayAllocated.newBuilder()
                    .setAllocationId(a.id()).setRelay(node.advertised().toAddress())
                    .setCallerToken(ByteString.copyFrom(a.callerToken())).setCalleeToken(ByteString.copyFrom(a.calleeToken()))
                    .setIdleTimeoutMs((int) SuperNode.RELAY_LIMITS.idleTimeoutMs())).build());
        }));
    }

    /** A dedicated TCP relay connection: the token is the permission, no registration (docs/nat.md). */
    private void relayBindTcp(ChannelHandlerContext ctx, long id, byte[] token) {
        if (node.relay() == null || role != Role.UNKNOWN) {
            ctx.writeAndFlush(Envelopes.error(id, ErrorCode.BAD_REQUEST, "RELAY_BIND_TCP: not a fresh connection to a relay"))
                    .addListener(ChannelFutureListener.CLOSE);
            return;
        }
        var ch = ctx.channel();
        InetSocketAddress party = (InetSocketAddress) ch.remoteAddress();
        role = Role.RELAY;
        if (roleTimer != null) {
            roleTimer.cancel(false);
        }
        node.relay().bindTcp(token, party, buf -> {
            try {
                if (ch.isWritable()) { // bounded: real-time media is dropped, not queued, behind a slow reader
                    ch.writeAndFlush(Envelopes.builder(0).setRelayPacket(dev.parley.protocol.wire.RelayPacket.newBuilder()
                            .setPacket(ByteString.copyFrom(buf.nioBuffer()))).build(), ch.voidPromise());
                }
            } finally {
                buf.release();
            }
        }).whenComplete((ok, e) -> ctx.executor().execute(() -> {
            if (e == null && ok) {
                ctx.writeAndFlush(Envelopes.ok(id));
            } else {
                ctx.writeAndFlush(Envelopes.error(id, ErrorCode.INVALID_CREDENTIAL, "relay token: unknown"))
                        .addListener(ChannelFutureListener.CLOSE);
            }
        }));
    }

    /** @return true if the connection has {@code needed}; otherwise answers with an error */
    private boolean requireRole(ChannelHandlerContext ctx, Envelope msg, Role needed) {
        long id = msg.getRequestId();
        if (id == 0) {
            ctx.writeAndFlush(Envelopes.error(0, ErrorCode.BAD_REQUEST,
                    msg.getBodyCase() + ": request_id 0 (expected: a request id > 0)"));
            return false;
        }
        if (role == needed) {
            return true;
        }
        if (role == Role.UNKNOWN) {
            ctx.writeAndFlush(Envelopes.error(id, ErrorCode.NOT_REGISTERED, needed == Role.CLIENT
                    ? msg.getBodyCase() + " needs a registered session: send Register first"
                    : msg.getBodyCase() + " is for super nodes: send PeerHello first"));
        } else {
            ctx.writeAndFlush(Envelopes.error(id, ErrorCode.BAD_REQUEST,
                    msg.getBodyCase() + " is not allowed on a " + role.name().toLowerCase() + " connection"));
        }
        return false;
    }

    private void onRegister(ChannelHandlerContext ctx, Envelope msg) {
        long id = msg.getRequestId();
        if (id == 0 || role != Role.UNKNOWN) {
            ctx.writeAndFlush(Envelopes.error(id, ErrorCode.BAD_REQUEST, id == 0
                    ? "REGISTER: request_id 0 (expected: a request id > 0)"
                    : "REGISTER: this connection is already " + (role == Role.CLIENT ? "registered" : "a peer link")));
            return;
        }
        byte[] key = node.serverKey().get();
        if (key == null) {
            // Not the client's fault: keep the connection so it may retry.
            ctx.writeAndFlush(Envelopes.error(id, ErrorCode.INTERNAL, "login server key not yet known; try again later"));
            return;
        }
        Session fresh;
        try {
            fresh = ClientMessages.verifyRegister(msg.getRegister(), key, nonce, ctx.channel(), node);
        } catch (ProtocolException e) {
            log.info("{}: registration refused: {}", ctx.channel().remoteAddress(), e.getMessage());
            ctx.writeAndFlush(Envelopes.error(id, e)).addListener(ChannelFutureListener.CLOSE);
            return;
        }
        role = Role.CLIENT;
        session = fresh;
        roleTimer.cancel(false);
        Session replaced = node.presence().put(fresh);
        if (replaced != null && replaced.channel() != ctx.channel()) {
            replaced.push(Envelopes.error(0, ErrorCode.NOT_REGISTERED, "signed in from another place"))
                    .addListener(ChannelFutureListener.CLOSE);
            log.info("{}: session from {} replaced by {}", fresh.username(), replaced.channel().remoteAddress(),
                    ctx.channel().remoteAddress());
        }
        log.info("registered {} from {} ({} candidates)", fresh.username(), ctx.channel().remoteAddress(),
                fresh.record().getCandidatesCount());
        ctx.writeAndFlush(ClientMessages.registered(id, node.directory().get()));
    }

    private void onPeerHello(ChannelHandlerContext ctx, Envelope msg) {
        long id = msg.getRequestId();
        if (role == Role.CLIENT) {
            ctx.writeAndFlush(Envelopes.error(id, ErrorCode.BAD_REQUEST, "PEER_HELLO on a registered client connection"));
            return;
        }
        role = Role.PEER;
        roleTimer.cancel(false);
        peer = msg.getPeerHello().hasAddress() ? safeHostPort(msg) : null;
        log.debug("{}: peer super node {}", ctx.channel().remoteAddress(), peer);
        if (id != 0) {
            ctx.writeAndFlush(Envelopes.ok(id));
        }
    }

    private static HostPort safeHostPort(Envelope msg) {
        try {
            return HostPort.of(msg.getPeerHello().getAddress());
        } catch (IllegalArgumentException e) {
            return null; // only used for logging
        }
    }

    private void search(ChannelHandlerContext ctx, long id, String rawName) {
        long startMs = node.clock().millis();
        if (searchLimiter == null) {
            searchLimiter = new SearchRateLimiter(node.clock(), node.search().ratePerS(), node.search().burst());
        }
        long waitMs = searchLimiter.tryAcquire(); // before validation: floods of bad names count too
        if (waitMs > 0) {
            ctx.writeAndFlush(Envelopes.error(id, ErrorCode.RATE_LIMITED, String.format(
                    "search rate: more than %d/s (burst %d); retry in %d ms",
                    node.search().ratePerS(), node.search().burst(), waitMs)));
            return;
        }
        String username;
        try {
            username = Usernames.canonical(rawName);
        } catch (ProtocolException e) {
            ctx.writeAndFlush(Envelopes.error(id, e));
            return;
        }
        Session local = node.presence().get(username);
        if (local != null) {
            ctx.writeAndFlush(ClientMessages.searchResult(id, new SearchOutcome(
                    java.util.Optional.of(new Location(local.record(), node.advertised(), false)), 0, false),
                    node.clock().millis() - startMs));
            return;
        }
        node.locator().locate(username, UserLocator.CacheUse.ALL).thenAcceptAsync(o -> ctx.writeAndFlush(
                ClientMessages.searchResult(id, o, node.clock().millis() - startMs)), ctx.executor());
    }

    private void callSignal(ChannelHandlerContext ctx, long id, CallSignal signal) {
        CallSignal normalized;
        try {
            normalized = ClientMessages.normalize(signal, session.username());
        } catch (ProtocolException e) {
            ctx.writeAndFlush(Envelopes.error(id, e));
            return;
        }
        node.router().route(normalized, ctx.executor()).whenCompleteAsync((ok, e) -> {
            if (e == null) {
                ctx.writeAndFlush(Envelopes.ok(id));
            } else if (PeerConnections.unwrap(e) instanceof ProtocolException pe) {
                ctx.writeAndFlush(Envelopes.error(id, pe));
            } else {
                log.warn("call {}: routing failed", normalized.getCallId(), e);
                ctx.writeAndFlush(Envelopes.error(id, ErrorCode.INTERNAL, "routing failed: " + e.getMessage()));
            }
        }, ctx.executor());
    }

    private void peerLookup(ChannelHandlerContext ctx, long id, String rawName) {
        String username;
        try {
            username = Usernames.canonical(rawName);
        } catch (ProtocolException e) {
            ctx.writeAndFlush(Envelopes.error(id, e));
            return;
        }
        Session local = node.presence().get(username);
        PeerLookupResult.Builder result = PeerLookupResult.newBuilder().setFound(local != null);
        if (local != null) {
            result.setRecord(local.record());
        }
        ctx.writeAndFlush(Envelopes.builder(id).setPeerLookupResult(result).build());
    }

    private void routedSignal(ChannelHandlerContext ctx, long id, CallSignal signal) {
        try {
            CallSignal normalized = signal.toBuilder().setTo(Usernames.canonical(signal.getTo())).build();
            node.router().deliverRouted(normalized);
            ctx.writeAndFlush(Envelopes.ok(id));
        } catch (ProtocolException e) {
            ctx.writeAndFlush(Envelopes.error(id, e));
        }
    }
}
