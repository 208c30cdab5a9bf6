package dev.parley.supernode;

import com.google.protobuf.ByteString;
import dev.parley.nat.relay.MediaRelay;
import dev.parley.protocol.Envelopes;
import dev.parley.protocol.wire.Envelope;
import dev.parley.protocol.wire.ErrorCode;
import dev.parley.protocol.wire.RelayPacket;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import java.net.InetSocketAddress;

/**
 * A client's dedicated TCP connection to the media relay (for networks that block UDP; see
 * {@code docs/nat.md}), put in place by {@link HandshakeHandler} on {@code RelayBindTcp}. The
 * token and its party's key (sent on this TLS connection) are the permission: no registration.
 * <ul>
 *   <li>The first {@code RelayBindTcp} (handed over by the handshake) latches the connection as
 *       the token's party if the key is its party's: {@code Ok}, or {@code INVALID_CREDENTIAL}
 *       "relay token or key: unknown" and close. Any later one: {@code BAD_REQUEST} and close.</li>
 *   <li>{@code RelayPacket} pushes of 1..{@value #MAX_RELAY_PACKET_BYTES} bytes go to the relay;
 *       other sizes get {@code BAD_REQUEST} and close. Relayed packets come back as
 *       {@code RelayPacket} pushes while the connection is writable, and are dropped otherwise:
 *       real-time media is not queued behind a slow reader.</li>
 * </ul>
 * Anything else is answered by {@link ForeignMessages} for {@link ConnectionRole#RELAY}. Closing
 * the connection unbinds it.
 *
 * <p>Confined to the channel's event loop.
 */
final class TcpRelayHandler extends SimpleChannelInboundHandler<Envelope> {
    /** The handler's name in the pipeline. */
    static final String NAME = "tcp-relay";
    /** Largest packet relayed over TCP (an RTP packet fits a 1500-byte MTU). */
    static final int MAX_RELAY_PACKET_BYTES = 1500;

    private final NodeContext node;
    private final MediaRelay relay;
    private boolean bindSent;

    /** @param node the super node; its {@link NodeContext#relay()} must not be null */
    TcpRelayHandler(NodeContext node) {
        this.node = node;
        this.relay = node.relay();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (bindSent) {
            relay.unbindTcp((InetSocketAddress) ctx.channel().remoteAddress());
        }
        ctx.fireChannelInactive();
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, Envelope msg) {
        switch (msg.getBodyCase()) {
            case RELAY_BIND_TCP -> {
                if (bindSent) {
                    ForeignMessages.answer(ctx, msg, ConnectionRole.RELAY, node);
                } else {
                    bind(ctx, msg.getRequestId(), msg.getRelayBindTcp().getToken().toByteArray(),
                            msg.getRelayBindTcp().getKey().toByteArray());
                }
            }
            case RELAY_PACKET -> {
                int n = msg.getRelayPacket().getPacket().size();
                if (n == 0 || n > MAX_RELAY_PACKET_BYTES) {
                    ctx.writeAndFlush(Envelopes.error(0, ErrorCode.BAD_REQUEST, String.format(
                            "relayPacket: %d bytes (expected: 1..%d)", n, MAX_RELAY_PACKET_BYTES)))
                            .addListener(ChannelFutureListener.CLOSE);
                } else {
                    relay.fromTcp((InetSocketAddress) ctx.channel().remoteAddress(),
                            Unpooled.wrappedBuffer(msg.getRelayPacket().getPacket().toByteArray()));
                }
            }
            default -> ForeignMessages.answer(ctx, msg, ConnectionRole.RELAY, node);
        }
    }

    private void bind(ChannelHandlerContext ctx, long id, byte[] token, byte[] key) {
        bindSent = true;
        Channel ch = ctx.channel();
        relay.bindTcp(token, key, (InetSocketAddress) ch.remoteAddress(), buf -> {
            try {
                if (ch.isWritable()) { // bounded: real-time media is dropped, not queued, behind a slow reader
                    ch.writeAndFlush(Envelopes.builder(0).setRelayPacket(RelayPacket.newBuilder()
                            .setPacket(ByteString.copyFrom(buf.nioBuffer()))).build(), ch.voidPromise());
                }
            } finally {
                buf.release();
            }
        }).whenComplete((ok, e) -> ctx.executor().execute(() -> {
            if (e == null && ok) {
                ctx.writeAndFlush(Envelopes.ok(id));
            } else {
                ctx.writeAndFlush(Envelopes.error(id, ErrorCode.INVALID_CREDENTIAL, "relay token or key: unknown"))
                        .addListener(ChannelFutureListener.CLOSE);
            }
        }));
    }
}
