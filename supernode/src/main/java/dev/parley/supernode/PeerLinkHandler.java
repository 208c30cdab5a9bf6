package dev.parley.supernode;

import dev.parley.protocol.Envelopes;
import dev.parley.protocol.Futures;
import dev.parley.protocol.HostPort;
import dev.parley.protocol.ProtocolException;
import dev.parley.protocol.Usernames;
import dev.parley.protocol.wire.CallSignal;
import dev.parley.protocol.wire.Envelope;
import dev.parley.protocol.wire.ErrorCode;
import dev.parley.protocol.wire.PeerGone;
import dev.parley.protocol.wire.PeerLookupResult;
import dev.parley.protocol.wire.SuperNodeCertificate;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A certified peer super node's control link (TCP), put in place by {@link HandshakeHandler} once
 * the peer's {@code PeerHello} verified ({@link PeerHellos#verify}): only here are
 * {@code RoutedSignal} and {@code PeerLookup} served.
 * <ul>
 *   <li>{@code PeerHello} (the first one, handed over by the handshake, or a later one): {@code Ok}
 *       if it is a request; a later one changes nothing (the link keeps the first one's peer).</li>
 *   <li>{@code PeerLookup} → {@code PeerLookupResult} from local presence only (kept for
 *       compatibility; searches use the UDP mesh).</li>
 *   <li>{@code RoutedSignal} → pushed to the local callee and {@code Ok}, or {@code USER_OFFLINE}.</li>
 *   <li>{@code RoutedChat}, {@code MailboxStore}, {@code MailboxFetch}, {@code MailboxAck} → {@link ChatRelay}.</li>
 *   <li>{@code PeerGone} → pushed to the local client if this super node routed that call between
 *       the two ({@link CallRoutes}), and {@code Ok}; {@code USER_OFFLINE} if the client is not here.</li>
 * </ul>
 * Anything else is answered by {@link ForeignMessages} for {@link ConnectionRole#PEER}.
 *
 * <p>Confined to the channel's event loop.
 */
final class PeerLinkHandler extends SimpleChannelInboundHandler<Envelope> {
    private static final Logger log = LoggerFactory.getLogger(PeerLinkHandler.class);
    /** The handler's name in the pipeline. */
    static final String NAME = "peer-link";

    private final NodeContext node;
    private final HostPort peer; // for logs only

    /**
     * @param node presence and the signal router
     * @param certificate the peer's verified certificate
     */
    PeerLinkHandler(NodeContext node, SuperNodeCertificate certificate) {
        this.node = node;
        this.peer = HostPort.of(certificate.getAddress());
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, Envelope msg) {
        long id = msg.getRequestId();
        switch (msg.getBodyCase()) {
            case PEER_HELLO -> {
                log.debug("{}: peer super node {}", ctx.channel().remoteAddress(), peer);
                if (id != 0) {
                    ctx.writeAndFlush(Envelopes.ok(id));
                }
            }
            case PEER_LOOKUP -> {
                if (ForeignMessages.hasRequestId(ctx, msg)) {
                    peerLookup(ctx, id, msg.getPeerLookup().getUsername());
                }
            }
            case ROUTED_SIGNAL -> {
                if (ForeignMessages.hasRequestId(ctx, msg)) {
                    routedSignal(ctx, id, msg.getRoutedSignal().getSignal());
                }
            }
            case ROUTED_CHAT, MAILBOX_STORE, MAILBOX_FETCH, MAILBOX_ACK -> {
                if (ForeignMessages.hasRequestId(ctx, msg)) {
                    chat(ctx, id, msg);
                }
            }
            case PEER_GONE -> {
                if (ForeignMessages.hasRequestId(ctx, msg)) {
                    peerGone(ctx, id, msg.getPeerGone());
                }
            }
            default -> ForeignMessages.answer(ctx, msg, ConnectionRole.PEER, node);
        }
    }

    /** Chat requests between super nodes ({@link ChatRelay}): routed packets, mailbox store, fetch and delete. */
    private void chat(ChannelHandlerContext ctx, long id, Envelope msg) {
        ChatRelay chat = node.chat();
        if (chat == null) {
            ctx.writeAndFlush(Envelopes.error(id, ErrorCode.BAD_REQUEST, "this super node has no chat"));
            return;
        }
        CompletableFuture<Envelope> answer = switch (msg.getBodyCase()) {
            case ROUTED_CHAT -> chat.deliverRouted(msg.getRoutedChat().getPacket()).thenApply(x -> Envelopes.ok(id));
            case MAILBOX_STORE -> chat.keep(msg.getMailboxStore().getPacket()).thenApply(x -> Envelopes.ok(id));
            case MAILBOX_FETCH -> chat.fetchLocal(msg.getMailboxFetch().getUsername(), msg.getMailboxFetch().getDevice())
                    .thenApply(c -> Envelopes.builder(id).setMailboxContents(c).build());
            default -> chat.ackLocal(msg.getMailboxAck()).thenApply(x -> Envelopes.ok(id));
        };
        answer.whenCompleteAsync((env, e) -> ctx.writeAndFlush(e == null ? env
                : Futures.unwrap(e) instanceof ProtocolException pe ? Envelopes.error(id, pe)
                : Envelopes.error(id, ErrorCode.INTERNAL, "chat: " + Futures.unwrap(e).getMessage())), ctx.executor());
    }

    private void peerLookup(ChannelHandlerContext ctx, long id, String rawName) {
        String username = ForeignMessages.canonicalOrAnswer(ctx, id, rawName);
        if (username == null) {
            return;
        }
        List<Session> devices = node.presence().devices(username);
        Session local = devices.isEmpty() ? null : devices.get(devices.size() - 1);
        PeerLookupResult.Builder result = PeerLookupResult.newBuilder().setFound(local != null);
        if (local != null) {
            result.setRecord(local.record()).addAllDevices(Location.otherRecords(devices));
        }
        ctx.writeAndFlush(Envelopes.builder(id).setPeerLookupResult(result).build());
    }

    /** A peer's client lost its connection: its peer here hears it, if we routed that call ({@link CallRoutes}). */
    private void peerGone(ChannelHandlerContext ctx, long id, PeerGone notice) {
        try {
            PeerGone normalized = notice.toBuilder().setTo(Usernames.canonical(notice.getTo()))
                    .setUser(Usernames.canonical(notice.getUser())).build();
            if (!node.router().deliverPeerGone(normalized)) {
                throw SignalRouter.offline(normalized.getTo());
            }
            ctx.writeAndFlush(Envelopes.ok(id));
        } catch (ProtocolException e) {
            ctx.writeAndFlush(Envelopes.error(id, e));
        }
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
