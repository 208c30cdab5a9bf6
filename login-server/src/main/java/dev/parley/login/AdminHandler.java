package dev.parley.login;

import com.google.protobuf.ByteString;
import dev.parley.protocol.AdminRequests;
import dev.parley.protocol.Envelopes;
import dev.parley.protocol.ProtocolException;
import dev.parley.protocol.SourceAddresses;
import dev.parley.protocol.tls.ChannelBinding;
import dev.parley.protocol.tls.KeyVerifier;
import dev.parley.protocol.wire.AdminChallenge;
import dev.parley.protocol.wire.AdminCommand;
import dev.parley.protocol.wire.AdminRequest;
import dev.parley.protocol.wire.AdminResponse;
import dev.parley.protocol.wire.Envelope;
import dev.parley.protocol.wire.ErrorCode;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.security.SecureRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin channel on a login-server connection (docs/protocol.md "Administration"); sits in front
 * of {@link LoginHandler} and passes every other envelope on.
 *
 * <ul>
 *   <li>{@code AdminHello} → {@code AdminChallenge}: a fresh 32-byte nonce from a SecureRandom, the
 *       only one valid on this connection (it replaces any earlier one)</li>
 *   <li>{@code AdminRequest} → consumes the nonce, whatever follows; then verifies the signature
 *       ({@link AdminRequests#verify}: nonce, this server's key, the TLS exporter if the request says
 *       it is channel bound) and, on a worker thread, that the key is authorized; only then decodes
 *       and carries out the command ({@link AdminService}). Answered with {@code AdminResponse}
 *       carrying the next nonce, or an Error. A request refused for its authentication gets
 *       NOT_AUTHORIZED, trimmed to no more bytes than the request carried (a request too small even for
 *       the bare code closes the connection instead), and counts against the
 *       source's refusals ({@link AdminGuard})</li>
 *   <li>{@code SuperNodeQueryResult} → completes the query sent on this connection ({@link SuperNodeLinks})</li>
 * </ul>
 *
 * <p>One instance per channel; {@code nonce} and {@code busy} are confined to its event loop. One
 * admin request at a time per connection.
 */
final class AdminHandler extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(AdminHandler.class);

    private final AdminService service;
    private final AdminGuard guard;
    private final SuperNodeLinks links;
    private final byte[] serverKey;
    private final SecureRandom random;
    private final Executor worker;
    private byte @Nullable [] nonce; // event loop only
    private boolean busy; // event loop only

    AdminHandler(AdminService service, AdminGuard guard, SuperNodeLinks links, byte[] serverKey, SecureRandom random,
            Executor worker) {
        this.service = service;
        this.guard = guard;
        this.links = links;
        this.serverKey = serverKey.clone();
        this.random = random;
        this.worker = worker;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof Envelope e)) {
            ctx.fireChannelRead(msg);
            return;
        }
        switch (e.getBodyCase()) {
            case ADMIN_HELLO -> hello(ctx, e);
            case ADMIN_REQUEST -> request(ctx, e);
            case SUPERNODE_QUERY_RESULT -> {
                if (!links.answered(ctx.channel(), e.getSupernodeQueryResult())) {
                    log.debug("unmatched super-node query result from {}", ctx.channel().remoteAddress());
                }
            }
            default -> ctx.fireChannelRead(msg);
        }
    }

    private void hello(ChannelHandlerContext ctx, Envelope e) {
        try {
            guard.admitHello(SourceAddresses.key(ctx.channel().remoteAddress()));
        } catch (ProtocolException limited) {
            answerBounded(ctx, e, limited.code(), limited.getMessage());
            return;
        }
        byte[] fresh = new byte[AdminRequests.NONCE_BYTES];
        random.nextBytes(fresh);
        nonce = fresh;
        ctx.writeAndFlush(Envelopes.builder(e.getRequestId())
                .setAdminChallenge(AdminChallenge.newBuilder().setNonce(ByteString.copyFrom(fresh))).build());
    }

    private void request(ChannelHandlerContext ctx, Envelope e) {
        String source = SourceAddresses.key(ctx.channel().remoteAddress());
        byte[] challenge = nonce;
        nonce = null; // single use, whatever the outcome
        try {
            guard.admitRequest(source);
        } catch (ProtocolException limited) {
            answerBounded(ctx, e, limited.code(), limited.getMessage());
            return;
        }
        AdminRequest request = e.getAdminRequest();
        if (busy || challenge == null || !verifies(ctx.channel(), request, challenge)) {
            refuse(ctx, e, source, busy ? "request in progress" : challenge == null ? "no challenge" : "bad signature");
            return;
        }
        byte[] adminKey = request.getAdminKey().toByteArray();
        String admin = KeyVerifier.fingerprint(adminKey);
        Channel channel = ctx.channel();
        busy = true;
        try {
            worker.execute(() -> {
                CompletableFuture<AdminResponse.Builder> result;
                try {
                    if (!service.authorized(adminKey)) {
                        loop(channel, () -> {
                            busy = false;
                            refuse(ctx, e, source, "key " + admin + " not authorized");
                        });
                        return;
                    }
                    AdminCommand command = AdminRequests.decodeCommand(request.getCommand());
                    result = service.execute(command, admin);
                } catch (ProtocolException pe) {
                    result = CompletableFuture.failedFuture(pe);
                } catch (Exception ex) {
                    log.warn("admin request from {} failed", admin, ex);
                    result = CompletableFuture.failedFuture(
                            new ProtocolException(ErrorCode.INTERNAL, "internal error; try again later"));
                }
                result.whenComplete((r, ex) -> loop(channel, () -> respond(ctx, e.getRequestId(), r, ex)));
            });
        } catch (RejectedExecutionException full) {
            busy = false;
            answerBounded(ctx, e, ErrorCode.RATE_LIMITED, "server busy");
        }
    }

    private boolean verifies(Channel channel, AdminRequest request, byte[] challenge) {
        byte[] exporter = null;
        if (request.getChannelBound()) {
            exporter = ChannelBinding.exporter(channel);
            if (exporter == null) {
                return false; // the request claims a binding this connection cannot check
            }
        }
        return AdminRequests.verify(request, challenge, serverKey, exporter);
    }

    private void refuse(ChannelHandlerContext ctx, Envelope e, String source, String why) {
        guard.failed(source);
        log.info("admin request refused from {}: {}", ctx.channel().remoteAddress(), why);
        answerBounded(ctx, e, ErrorCode.NOT_AUTHORIZED, "admin: not authorized");
    }

    private void respond(ChannelHandlerContext ctx, long id, AdminResponse.@Nullable Builder r, @Nullable Throwable ex) {
        busy = false;
        if (ex != null) {
            Throwable cause = ex instanceof CompletionException && ex.getCause() != null
                    ? ex.getCause() : ex;
            ctx.writeAndFlush(cause instanceof ProtocolException pe ? Envelopes.error(id, pe)
                    : Envelopes.error(id, ErrorCode.INTERNAL, "internal error; try again later"));
            return;
        }
        byte[] next = new byte[AdminRequests.NONCE_BYTES];
        random.nextBytes(next);
        nonce = next;
        ctx.writeAndFlush(Envelopes.builder(id).setAdminResponse(r.setNextNonce(ByteString.copyFrom(next))).build());
    }

    /**
     * @return an error answering {@code request}, its message dropped if the answer would otherwise
     *     carry more bytes than the unauthenticated request did; null if even the bare code would
     *     (a near-empty request: the caller closes the connection instead)
     */
    static @Nullable Envelope bounded(Envelope request, ErrorCode code, String message) {
        Envelope full = Envelopes.error(request.getRequestId(), code, message);
        if (full.getSerializedSize() <= request.getSerializedSize()) {
            return full;
        }
        Envelope bare = Envelopes.error(request.getRequestId(), code, "");
        return bare.getSerializedSize() <= request.getSerializedSize() ? bare : null;
    }

    /** Writes {@link #bounded} or, when not even that fits, closes the connection. */
    private static void answerBounded(ChannelHandlerContext ctx, Envelope request, ErrorCode code, String message) {
        Envelope answer = bounded(request, code, message);
        if (answer == null) {
            ctx.close();
        } else {
            ctx.writeAndFlush(answer);
        }
    }

    private static void loop(Channel channel, Runnable task) {
        try {
            channel.eventLoop().execute(task);
        } catch (RejectedExecutionException e) {
            // the server is shutting down
        }
    }
}
