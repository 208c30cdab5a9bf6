package dev.parley.supernode;

import dev.parley.protocol.Envelopes;
import dev.parley.protocol.HostPort;
import dev.parley.protocol.ProtocolException;
import dev.parley.protocol.Usernames;
import dev.parley.protocol.wire.CallSignal;
import dev.parley.protocol.wire.Envelope;
import dev.parley.protocol.wire.PeerLookupResult;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A peer super node's control link (TCP), put in place by {@link HandshakeHandler} on
 * {@code PeerHello}:
 * <ul>
 *   <li>{@code PeerHello} (the first one, handed over by the handshake, or a later one): notes the
 *       peer's address for logs; {@code Ok} if it is a request.</li>
 *   <li>{@code PeerLookup} → {@code PeerLookupResult} from local presence only (kept for
 *       compatibility; searches use the UDP mesh).</li>
 *   <li>{@code RoutedSignal} → pushed to the local callee and {@code Ok}, or {@code USER_OFFLINE}.</li>
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
    private @Nullable HostPort peer; // for logs only

    /** @param node presence and the signal router */
    PeerLinkHandler(NodeContext node) {
        this.node = node;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, Envelope msg) {
        long id = msg.getRequestId();
        switch (msg.getBodyCase()) {
            case PEER_HELLO -> {
                peer = msg.getPeerHello().hasAddress() ? safeHostPort(msg) : null;
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
            default -> ForeignMessages.answer(ctx, msg, ConnectionRole.PEER, node);
        }
    }

    private static @Nullable HostPort safeHostPort(Envelope msg) {
        try {
            return HostPort.of(msg.getPeerHello().getAddress());
        } catch (IllegalArgumentException e) {
            return null; // only used for logging
        }
    }

    private void peerLookup(ChannelHandlerContext ctx, long id, String rawName) {
        String username = ForeignMessages.canonicalOrAnswer(ctx, id, rawName);
        if (username == null) {
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
