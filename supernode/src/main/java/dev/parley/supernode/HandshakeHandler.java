package dev.parley.supernode;

import com.google.protobuf.ByteString;
import dev.parley.protocol.ConnectionGuard;
import dev.parley.protocol.Envelopes;
import dev.parley.protocol.HostPort;
import dev.parley.protocol.ProtocolException;
import dev.parley.protocol.wire.Envelope;
import dev.parley.protocol.wire.ErrorCode;
import dev.parley.protocol.wire.ServerHello;
import dev.parley.protocol.wire.SuperNodeCertificate;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The start of every accepted control connection: pushes {@code ServerHello} (fresh
 * {@value #NONCE_BYTES}-byte nonce, advertised address, this super node's certificate), then waits
 * for the message that gives the connection its role and replaces itself in the pipeline with that
 * role's handler:
 * <ul>
 *   <li>{@code Register} (verified here, as the proof signs this handler's nonce, see
 *       {@link ClientMessages#verifyRegister}): {@link ClientSessionHandler}, then {@code Registered};</li>
 *   <li>{@code PeerHello} (verified here: a valid certificate and its node key's signature over this
 *       handler's nonce, see {@link PeerHellos#verify}): {@link PeerLinkHandler}, which is handed the
 *       message; an unverified one is answered with the error and the connection closed;</li>
 *   <li>{@code RelayBindTcp} (on a super node with a media relay): {@link TcpRelayHandler}, which is
 *       handed the message.</li>
 * </ul>
 * Anything else is answered by {@link ForeignMessages} for {@link ConnectionRole#NONE}. A
 * connection without a role after {@link #ROLE_TIMEOUT} gets {@code BAD_REQUEST} and is closed.
 * Every role keeps the {@link ConnectionGuard}'s idle timer; a registered client stays under it
 * with a {@code Keepalive} every minute ({@code SuperNodeSession}).
 *
 * <p>Confined to the channel's event loop.
 */
final class HandshakeHandler extends SimpleChannelInboundHandler<Envelope> {
    private static final Logger log = LoggerFactory.getLogger(HandshakeHandler.class);
    /** The handler's name in the pipeline. */
    static final String NAME = "handshake";
    /** Bytes of the {@code ServerHello} nonce. */
    static final int NONCE_BYTES = 32;
    /** How long a connection may stay without {@code Register}, {@code PeerHello} or {@code RelayBindTcp}. */
    static final Duration ROLE_TIMEOUT = Duration.ofSeconds(30);

    private final NodeContext node;
    private final byte[] nonce = new byte[NONCE_BYTES];
    private @Nullable ScheduledFuture<?> roleTimer;

    /** @param node what every connection of this super node shares */
    HandshakeHandler(NodeContext node) {
        this.node = node;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        node.random().nextBytes(nonce);
        ServerHello.Builder hello = ServerHello.newBuilder().setNonce(ByteString.copyFrom(nonce))
                .setAddress(node.advertised().toAddress());
        SuperNodeCertificate certificate = node.identity().certificate();
        if (certificate != null) { // none only before the first enrolment answered: clients refuse this node then
            hello.setCertificate(certificate);
        }
        ctx.writeAndFlush(Envelopes.builder(0).setServerHello(hello).build());
        // Cancelled when a role handler replaces this one (handlerRemoved) or the channel closes.
        roleTimer = ctx.executor().schedule(() -> {
            if (ctx.channel().isActive()) {
                ctx.writeAndFlush(Envelopes.error(0, ErrorCode.BAD_REQUEST, String.format(
                        "no Register or PeerHello within %d ms", ROLE_TIMEOUT.toMillis())))
                        .addListener(ChannelFutureListener.CLOSE);
            }
        }, ROLE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        ctx.fireChannelActive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        cancelRoleTimer();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        cancelRoleTimer();
        ctx.fireChannelInactive();
    }

    private void cancelRoleTimer() {
        if (roleTimer != null) {
            roleTimer.cancel(false);
        }
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, Envelope msg) {
        switch (msg.getBodyCase()) {
            case REGISTER -> onRegister(ctx, msg);
            case PEER_HELLO -> onPeerHello(ctx, msg);
            case RELAY_BIND_TCP -> {
                if (node.relay() != null) {
                    handOver(ctx, msg, TcpRelayHandler.NAME, new TcpRelayHandler(node));
                } else {
                    ForeignMessages.answer(ctx, msg, ConnectionRole.NONE, node);
                }
            }
            default -> ForeignMessages.answer(ctx, msg, ConnectionRole.NONE, node);
        }
    }

    /** Replaces this handler with {@code next} and passes it the message that chose it. */
    private void handOver(ChannelHandlerContext ctx, Envelope msg, String name, ChannelHandler next) {
        ctx.pipeline().replace(this, name, next);
        // Netty points a replaced context at its replacement, so this reaches next.
        ctx.fireChannelRead(msg);
    }

    private void onPeerHello(ChannelHandlerContext ctx, Envelope msg) {
        SuperNodeCertificate peer;
        try {
            peer = PeerHellos.verify(msg.getPeerHello(), nonce, ctx.channel(), node);
        } catch (ProtocolException e) {
            log.info("{}: peer link refused: {}", ctx.channel().remoteAddress(), e.getMessage());
            ctx.writeAndFlush(Envelopes.error(msg.getRequestId(), e)).addListener(ChannelFutureListener.CLOSE);
            return;
        }
        handOver(ctx, msg, PeerLinkHandler.NAME, new PeerLinkHandler(node, peer));
    }

    private void onRegister(ChannelHandlerContext ctx, Envelope msg) {
        if (!ForeignMessages.hasRequestId(ctx, msg)) {
            return;
        }
        long id = msg.getRequestId();
        Session fresh;
        try {
            fresh = ClientMessages.verifyRegister(msg.getRegister(), nonce, ctx.channel(), node);
        } catch (ProtocolException e) {
            if (e.code() == ErrorCode.INTERNAL) { // not the client's fault: keep the connection so it may retry
                ctx.writeAndFlush(Envelopes.error(id, e));
                return;
            }
            log.info("{}: registration refused: {}", ctx.channel().remoteAddress(), e.getMessage());
            ctx.writeAndFlush(Envelopes.error(id, e)).addListener(ChannelFutureListener.CLOSE);
            return;
        }
        if (!ctx.channel().isActive()) {
            return; // closed meanwhile: publishing the session now would leave it registered for good
        }
        // Within the cap of client sessions (a promoted client's --serve-max-clients); a device that
        // reconnects replaces its old session and is never refused.
        PresenceIndex.Displaced displaced = node.presence().putWithin(fresh, node.limits().maxClients());
        if (displaced == null) {
            log.info("{}: registration of {} refused: {} clients registered (the cap)", ctx.channel().remoteAddress(),
                    fresh.username(), node.limits().maxClients());
            ctx.writeAndFlush(Envelopes.error(id, ErrorCode.SUPER_NODE_FULL, String.format(
                    "clients registered here: %d (expected: < %d); register with another super node",
                    node.limits().maxClients(), node.limits().maxClients()))).addListener(ChannelFutureListener.CLOSE);
            return;
        }
        // The session handler replaces this one in the same event-loop task that published the session,
        // so the connection's close (a later task on this loop) reaches it and unregisters the session.
        ctx.pipeline().replace(this, ClientSessionHandler.NAME, new ClientSessionHandler(node, fresh, nonce));
        // The idle timer stays: a registered client keeps its session with a Keepalive every minute.
        // Another device of the account stays registered (docs/protocol.md "Several devices"): no fight.
        if (displaced.sameDevice() != null && displaced.sameDevice().channel() != ctx.channel()) {
            displaced.sameDevice().push(Envelopes.error(0, ErrorCode.NOT_REGISTERED, "signed in again from this device"))
                    .addListener(ChannelFutureListener.CLOSE);
            log.info("{}: session from {} replaced by the same device from {}", fresh.username(),
                    displaced.sameDevice().channel().remoteAddress(), ctx.channel().remoteAddress());
        }
        if (displaced.oldest() != null) {
            displaced.oldest().push(Envelopes.error(0, ErrorCode.TOO_MANY_DEVICES, String.format(
                    "devices of %s: more than %d signed in; this one, the oldest, was signed out",
                    fresh.username(), PresenceIndex.MAX_DEVICES))).addListener(ChannelFutureListener.CLOSE);
            log.info("{}: oldest device at {} signed out (more than {} devices)", fresh.username(),
                    displaced.oldest().channel().remoteAddress(), PresenceIndex.MAX_DEVICES);
        }
        log.info("registered {} from {} ({} candidates)", fresh.username(), ctx.channel().remoteAddress(),
                fresh.record().getCandidatesCount());
        if (msg.getRegister().hasLostSuperNode()) { // a rejoin: check whether the one it left is dead
            try {
                HostPort lost = HostPort.of(msg.getRegister().getLostSuperNode());
                if (!lost.equals(node.advertised())) {
                    node.locator().clientLost(lost);
                }
            } catch (IllegalArgumentException e) {
                log.debug("{}: ignoring lost_super_node: {}", fresh.username(), e.getMessage());
            }
        }
        ctx.writeAndFlush(ClientMessages.registered(id, node.directory().get()));
    }
}
