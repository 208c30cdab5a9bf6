package dev.parley.supernode;

import dev.parley.protocol.Envelopes;
import dev.parley.protocol.ProtocolException;
import dev.parley.protocol.Usernames;
import dev.parley.protocol.wire.Envelope;
import dev.parley.protocol.wire.ErrorCode;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers to messages that the connection's current role does not serve, shared by the handshake
 * and the three role handlers so that every role refuses the others' messages the same way; also
 * the request checks the roles share (request id, username).
 *
 * <p>Error codes: requests needing a role, sent before any role is established, get
 * {@link ErrorCode#NOT_REGISTERED} (the connection stays open); requests of another role, request
 * id 0 and unknown message types get {@link ErrorCode#BAD_REQUEST}; {@code RelayBindTcp} on a
 * connection that is not fresh and {@code RelayPacket} before it also close the connection.
 * {@code Error} and {@code Ok} pushes are ignored (never answered, so two misbehaving ends cannot
 * ping-pong); so is {@code RelayRelease} outside a client session.
 */
final class ForeignMessages {
    private static final Logger log = LoggerFactory.getLogger(ForeignMessages.class);

    private ForeignMessages() {}

    /**
     * Answers a message that {@code role} does not serve itself.
     *
     * @param role the connection's role; {@link ConnectionRole#NONE} before the handshake completed
     * @param node whether the super node has a media relay
     */
    static void answer(ChannelHandlerContext ctx, Envelope msg, ConnectionRole role, NodeContext node) {
        long id = msg.getRequestId();
        switch (msg.getBodyCase()) {
            case ERROR, OK -> log.debug("{}: ignoring {} push", ctx.channel().remoteAddress(), msg.getBodyCase());
            case REGISTER -> {
                if (hasRequestId(ctx, msg)) {
                    ctx.writeAndFlush(Envelopes.error(id, ErrorCode.BAD_REQUEST, "REGISTER: this connection is already "
                            + (role == ConnectionRole.CLIENT ? "registered" : "a " + role.label() + " link")));
                }
            }
            case PEER_HELLO -> ctx.writeAndFlush(Envelopes.error(id, ErrorCode.BAD_REQUEST, role == ConnectionRole.CLIENT
                    ? "PEER_HELLO on a registered client connection" : "PEER_HELLO on a " + role.label() + " connection"));
            case SEARCH, CALL_SIGNAL, CHAT_PACKET, PRESENCE_WILL -> wrongRole(ctx, msg, role, ConnectionRole.CLIENT);
            case PEER_LOOKUP, ROUTED_SIGNAL, ROUTED_CHAT, MAILBOX_STORE -> wrongRole(ctx, msg, role, ConnectionRole.PEER);
            case RELAY_ALLOCATE, RELAY_RELEASE -> {
                if (node.relay() == null) {
                    noRelay(ctx, id);
                } else if (msg.hasRelayAllocate()) {
                    wrongRole(ctx, msg, role, ConnectionRole.CLIENT);
                }
            }
            case RELAY_BIND_TCP -> ctx.writeAndFlush(Envelopes.error(id, ErrorCode.BAD_REQUEST,
                    "RELAY_BIND_TCP: not a fresh connection to a relay")).addListener(ChannelFutureListener.CLOSE);
            case RELAY_PACKET -> ctx.writeAndFlush(Envelopes.error(0, ErrorCode.BAD_REQUEST, "RELAY_PACKET before RelayBindTcp"))
                    .addListener(ChannelFutureListener.CLOSE);
            default -> ctx.writeAndFlush(Envelopes.error(id, ErrorCode.BAD_REQUEST,
                    "unexpected message " + msg.getBodyCase() + " on a super node connection"));
        }
    }

    /** @return true if {@code msg} has a request id; otherwise answers {@code BAD_REQUEST} */
    static boolean hasRequestId(ChannelHandlerContext ctx, Envelope msg) {
        if (msg.getRequestId() != 0) {
            return true;
        }
        ctx.writeAndFlush(Envelopes.error(0, ErrorCode.BAD_REQUEST,
                msg.getBodyCase() + ": request_id 0 (expected: a request id > 0)"));
        return false;
    }

    /**
     * @return the canonical form of {@code rawName}; none after answering the request with the
     *     {@code INVALID_USERNAME} error
     */
    static @Nullable String canonicalOrAnswer(ChannelHandlerContext ctx, long id, String rawName) {
        try {
            return Usernames.canonical(rawName);
        } catch (ProtocolException e) {
            ctx.writeAndFlush(Envelopes.error(id, e));
            return null;
        }
    }

    /** Answers a relay request on a super node without a media relay. */
    static void noRelay(ChannelHandlerContext ctx, long id) {
        ctx.writeAndFlush(Envelopes.error(id, ErrorCode.BAD_REQUEST, "this super node has no media relay"));
    }

    private static void wrongRole(ChannelHandlerContext ctx, Envelope msg, ConnectionRole role, ConnectionRole needed) {
        if (!hasRequestId(ctx, msg)) {
            return;
        }
        long id = msg.getRequestId();
        if (role == ConnectionRole.NONE) {
            ctx.writeAndFlush(Envelopes.error(id, ErrorCode.NOT_REGISTERED, needed == ConnectionRole.CLIENT
                    ? msg.getBodyCase() + " needs a registered session: send Register first"
                    : msg.getBodyCase() + " is for super nodes: send PeerHello first"));
        } else {
            ctx.writeAndFlush(Envelopes.error(id, ErrorCode.BAD_REQUEST,
                    msg.getBodyCase() + " is not allowed on a " + role.label() + " connection"));
        }
    }
}
