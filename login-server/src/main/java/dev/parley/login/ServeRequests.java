package dev.parley.login;

import dev.parley.protocol.Envelopes;
import dev.parley.protocol.wire.Envelope;
import dev.parley.protocol.wire.ErrorCode;
import dev.parley.protocol.wire.SuperNodeDirectory;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import org.jspecify.annotations.Nullable;

/**
 * One connection's requests of the self-organizing overlay (docs/architecture.md "Self-organizing
 * overlay"; docs/protocol.md "Serving clients"): {@code ServeOffer} and {@code ServeProbeEcho},
 * answered by the {@link Promoter}, and {@code LiveSuperNodes}, answered from the directory.
 *
 * <p>One instance per connection, used on its event loop only (the counter is not shared).
 */
final class ServeRequests {
    /** Serve offers and probe echoes one connection may send (an honest client sends one of each). */
    static final int MAX_SERVE_REQUESTS = 8;

    private final @Nullable Promoter promoter;
    private final SuperNodeRegistry directory;
    private int serveRequests; // event loop only

    /**
     * @param promoter takes offers and echoes (null: this login server promotes nobody; they get BAD_REQUEST)
     * @param directory the live super nodes
     */
    ServeRequests(@Nullable Promoter promoter, SuperNodeRegistry directory) {
        this.promoter = promoter;
        this.directory = directory;
    }

    /** Tells the promoter (if any) that {@code username} logged in: a client about to register (any thread). */
    void loggedIn(String username) {
        if (promoter != null) {
            promoter.loggedIn(username);
        }
    }

    /** Answers {@code request} (one of the three) with request id {@code id}, now or from the promotion thread. */
    void handle(ChannelHandlerContext ctx, long id, Envelope request) {
        if (request.hasLiveSuperNodes()) {
            SuperNodeDirectory.Builder list = SuperNodeDirectory.newBuilder();
            directory.live(LoginHandler.LOGIN_SUPER_NODES).forEach(a -> list.addSuperNodes(a.toAddress()));
            ctx.writeAndFlush(Envelopes.builder(id).setSupernodeDirectory(list).build());
            return;
        }
        if (promoter == null) {
            ctx.writeAndFlush(Envelopes.error(id, ErrorCode.BAD_REQUEST, "this login server promotes no clients"));
            return;
        }
        // Bound the signature checks one connection can ask of the one promotion thread.
        if (++serveRequests > MAX_SERVE_REQUESTS) {
            ctx.writeAndFlush(Envelopes.error(id, ErrorCode.RATE_LIMITED, String.format(
                    "serve requests on this connection: %d (expected: <= %d); offer again on a new connection",
                    serveRequests, MAX_SERVE_REQUESTS)));
            return;
        }
        Channel channel = ctx.channel();
        if (request.hasServeOffer()) {
            promoter.offer(channel, id, request.getServeOffer(), channel::writeAndFlush);
        } else {
            promoter.echo(channel, id, request.getServeProbeEcho().getNonce(), channel::writeAndFlush);
        }
    }
}
