package dev.parley.supernode;

import com.google.protobuf.ByteString;
import dev.parley.protocol.Envelopes;
import dev.parley.protocol.Futures;
import dev.parley.protocol.ProtocolException;
import dev.parley.protocol.RateBucket;
import dev.parley.protocol.wire.CallSignal;
import dev.parley.protocol.wire.Envelope;
import dev.parley.protocol.wire.ErrorCode;
import dev.parley.protocol.wire.PeerGone;
import dev.parley.protocol.wire.RelayAllocated;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A registered client's session, put in place by {@link HandshakeHandler} once {@code Register}
 * verified (the session is then in the presence index):
 * <ul>
 *   <li>{@code Search} (request): per-session token bucket first ({@code RATE_LIMITED}, also for
 *       invalid names), then {@code INVALID_USERNAME} or a {@code SearchResult} from local presence
 *       or {@link UserLocator}; {@code elapsed_ms} on the configured clock.</li>
 *   <li>{@code CallSignal} (request): per-session token bucket first ({@code RATE_LIMITED},
 *       {@link ControlLimits#signalsPerS()}), checked by {@link ClientMessages#normalize}, routed by
 *       {@link SignalRouter} with a second bucket for signals that make it search the mesh
 *       ({@link ControlLimits#signalSearchesPerS()}); {@code Ok}, or its {@code ProtocolException}'s code.</li>
 *   <li>{@code Register} (request) again, after the client renewed its credential: verified as the
 *       first ({@link ClientMessages#verifyRegister}, this connection's nonce) and for the same user
 *       with a later presence signature; replaces the presence record; {@code Registered}, or the
 *       error with the session left as it was.</li>
 *   <li>{@code ChatPacket}, {@code MailboxFetch}, {@code MailboxAck}, {@code PresenceWill}
 *       (requests): {@link ClientChat}; the will is routed when the session ends.</li>
 *   <li>{@code Keepalive} (request) → {@code Ok}: a quiet client's way to stay under the idle timeout.</li>
 *   <li>{@code RelayAllocate} (request) → {@code RelayAllocated}, or {@code RATE_LIMITED} over
 *       quota; {@code RelayRelease} (push) frees one of the session's allocations. Both are
 *       {@code BAD_REQUEST} on a super node without a media relay.</li>
 * </ul>
 * Anything else is answered by {@link ForeignMessages} for {@link ConnectionRole#CLIENT}. Closing
 * the connection unregisters the session (unless a newer one replaced it) and frees its relay
 * allocations.
 *
 * <p>Confined to the channel's event loop; completions from other loops hop back.
 */
final class ClientSessionHandler extends SimpleChannelInboundHandler<Envelope> {
    private static final Logger log = LoggerFactory.getLogger(ClientSessionHandler.class);
    /** The handler's name in the pipeline. */
    static final String NAME = "client-session";
    /** Longest call id a relay allocation accepts (Parley call ids are 24 hex chars). */
    static final int MAX_CALL_ID_CHARS = 64;

    private final NodeContext node;
    private final byte[] nonce;
    private Session session; // replaced by a re-registration
    private @Nullable RateBucket searchLimiter; // created on the first search
    private @Nullable RateBucket signalLimiter; // created on the first call signal
    private @Nullable RateBucket signalSearchLimiter; // created on the first signal that searches
    /**
     * The last signal of this session still being routed, per target: the next one to the same user
     * waits for it, so signals leave in the order they came. Without this, signals that arrived while
     * the target was being searched followed the shared search's callbacks, which run last-in first-out
     * (a callee's ACCEPT overtook its RINGING). Bounded by the signal rate limit; entries leave when done.
     */
    private final Map<String, CompletableFuture<Void>> routing = new HashMap<>(); // loop only
    /** Chat requests and the presence will (none on a super node without chat). */
    private final @Nullable ClientChat chat;

    /**
     * @param node what every connection of this super node shares
     * @param session the verified session this connection carries
     * @param nonce this connection's {@code ServerHello} nonce, which a re-registration's proof signs
     */
    ClientSessionHandler(NodeContext node, Session session, byte[] nonce) {
        this.node = node;
        this.session = session;
        this.nonce = nonce;
        this.chat = node.chat() == null ? null : new ClientChat(node, node.chat(), () -> this.session.username(), () -> this.session.device(),
                session.channel().eventLoop());
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (node.presence().remove(session)) {
            log.info("unregistered {} ({} disconnected)", session.username(), ctx.channel().remoteAddress());
            if (node.relay() != null) {
                node.relay().releaseAll(session.username());
            }
            if (!node.closing().getAsBoolean()) { // else this super node is closing: the client rejoins elsewhere, its calls fail over
                if (chat != null && node.presence().devices(session.username()).isEmpty()) {
                    chat.ended(); // no other device here: contacts see this user go offline
                }
                // the peers of its calls hear it now, not after their media timeout (docs/protocol.md "Peer gone")
                for (CallRoutes.Route r : CallRoutes.of(ctx.channel()).all()) {
                    node.router().peerGone(PeerGone.newBuilder().setCallId(r.callId()).setUser(session.username())
                            .setTo(r.peer()).build());
                }
            }
        }
        ctx.fireChannelInactive();
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, Envelope msg) {
        long id = msg.getRequestId();
        switch (msg.getBodyCase()) {
            case SEARCH -> {
                if (ForeignMessages.hasRequestId(ctx, msg)) {
                    search(ctx, id, msg.getSearch().getUsername(), msg.getSearch().getElsewhere());
                }
            }
            case REGISTER -> {
                if (ForeignMessages.hasRequestId(ctx, msg)) {
                    reregister(ctx, id, msg);
                }
            }
            case CALL_SIGNAL -> {
                if (ForeignMessages.hasRequestId(ctx, msg)) {
                    callSignal(ctx, id, msg.getCallSignal());
                }
            }
            case KEEPALIVE -> {
                if (id != 0) { // reading it already reset the idle timer; answer no more bytes than asked
                    ctx.writeAndFlush(Envelopes.ok(id));
                }
            }
            case RELAY_ALLOCATE, RELAY_RELEASE -> {
                if (node.relay() == null) {
                    ForeignMessages.noRelay(ctx, id);
                } else if (msg.hasRelayRelease()) {
                    node.relay().release(msg.getRelayRelease().getAllocationId(), session.username());
                } else if (ForeignMessages.hasRequestId(ctx, msg)) {
                    relayAllocate(ctx, id, msg.getRelayAllocate().getCallId());
                }
            }
            case CHAT_PACKET, MAILBOX_FETCH, MAILBOX_ACK, PRESENCE_WILL -> {
                if (chat == null) {
                    ctx.writeAndFlush(Envelopes.error(id, ErrorCode.BAD_REQUEST, "this super node has no chat"));
                } else if (ForeignMessages.hasRequestId(ctx, msg)) {
                    chat.handle(ctx, id, msg);
                }
            }
            default -> ForeignMessages.answer(ctx, msg, ConnectionRole.CLIENT, node);
        }
    }

    /**
     * A {@code Register} on the registered connection (after a credential renewal): verified exactly
     * like the first one, for the same user, with a presence signed later than the current one; it
     * replaces the presence record and the credential whose expiry ends the session. Refused ones
     * leave the current session as it was (it ends when its own credential expires).
     */
    private void reregister(ChannelHandlerContext ctx, long id, Envelope msg) {
        Session fresh;
        try {
            fresh = ClientMessages.verifyRegister(msg.getRegister(), nonce, ctx.channel(), node);
            ClientMessages.checkReregister(session, fresh);
        } catch (ProtocolException e) {
            log.info("{}: re-registration of {} refused: {}", ctx.channel().remoteAddress(), session.username(),
                    e.getMessage());
            ctx.writeAndFlush(Envelopes.error(id, e));
            return;
        }
        if (!node.presence().replace(session, fresh)) {
            ctx.writeAndFlush(Envelopes.error(id, ErrorCode.NOT_REGISTERED, "signed in from another place"));
            return;
        }
        session = fresh;
        log.info("re-registered {} from {} (credential until {})", fresh.username(), ctx.channel().remoteAddress(),
                Instant.ofEpochMilli(fresh.record().getCredential().getExpiresAtMs()));
        ctx.writeAndFlush(ClientMessages.registered(id, node.directory().get()));
    }

    private void search(ChannelHandlerContext ctx, long id, String rawName, boolean elsewhere) {
        long startMs = node.clock().millis();
        if (searchLimiter == null) {
            searchLimiter = new RateBucket(node.search().ratePerS(), node.search().burst(), node.clock().millis());
        }
        long waitMs = searchLimiter.tryTake(1, node.clock().millis()); // before validation: floods of bad names count too
        if (waitMs > 0) {
            node.locator().meters().rateLimited(NodeMeters.Limit.SEARCH);
            ctx.writeAndFlush(Envelopes.error(id, ErrorCode.RATE_LIMITED, String.format(
                    "search rate: more than %d/s (burst %d); retry in %d ms",
                    node.search().ratePerS(), node.search().burst(), waitMs)));
            return;
        }
        String username = ForeignMessages.canonicalOrAnswer(ctx, id, rawName);
        if (username == null) {
            return;
        }
        List<Session> local = node.presence().devices(username);
        // a device alone here asking where its account's other devices are: not answered with itself
        boolean askElsewhere = elsewhere && local.size() == 1 && local.get(0) == session;
        if (!local.isEmpty() && !askElsewhere) {
            ctx.writeAndFlush(ClientMessages.searchResult(id, new SearchOutcome(
                    Optional.of(Location.ofLocal(local, node.advertised())), 0, false),
                    node.clock().millis() - startMs));
            return;
        }
        node.locator().locate(username, UserLocator.CacheUse.ALL).thenAcceptAsync(o -> ctx.writeAndFlush(
                ClientMessages.searchResult(id, o, node.clock().millis() - startMs)), ctx.executor());
    }

    private void callSignal(ChannelHandlerContext ctx, long id, CallSignal signal) {
        ControlLimits limits = node.limits();
        if (signalLimiter == null) {
            signalLimiter = new RateBucket(limits.signalsPerS(), limits.signalBurst(), node.clock().millis());
        }
        long waitMs = signalLimiter.tryTake(1, node.clock().millis()); // before validation: floods of bad signals count too
        if (waitMs > 0) {
            node.locator().meters().rateLimited(NodeMeters.Limit.CALL_SIGNAL);
            ctx.writeAndFlush(Envelopes.error(id, ErrorCode.RATE_LIMITED, String.format(
                    "call signals: more than %d/s (burst %d); retry in %d ms",
                    limits.signalsPerS(), limits.signalBurst(), waitMs)));
            return;
        }
        CallSignal normalized;
        try {
            normalized = ClientMessages.normalize(signal, session.username());
        } catch (ProtocolException e) {
            ctx.writeAndFlush(Envelopes.error(id, e));
            return;
        }
        SignalRouter.SearchBudget budget = () -> spendSignalSearch(normalized.getTo());
        String to = normalized.getTo();
        CompletableFuture<Void> previous = routing.getOrDefault(to, CompletableFuture.completedFuture(null));
        CompletableFuture<Void> routed = previous.handle((ok, e) -> null) // its outcome was answered on its own
                .thenComposeAsync(x -> node.router().route(normalized, ctx.executor(), budget), ctx.executor());
        routing.put(to, routed);
        routed.whenCompleteAsync((ok, e) -> {
            routing.remove(to, routed);
            if (e == null) {
                CallRoutes.of(ctx.channel()).add(normalized.getCallId(), to);
                ctx.writeAndFlush(Envelopes.ok(id));
            } else if (Futures.unwrap(e) instanceof ProtocolException pe) {
                ctx.writeAndFlush(Envelopes.error(id, pe));
            } else {
                log.warn("call {}: routing failed", normalized.getCallId(), e);
                ctx.writeAndFlush(Envelopes.error(id, ErrorCode.INTERNAL, "routing failed: " + e.getMessage()));
            }
        }, ctx.executor());
    }

    /** @return the refusal when this session's signals searched the mesh too often, else null */
    private @Nullable ProtocolException spendSignalSearch(String to) {
        ControlLimits limits = node.limits();
        if (signalSearchLimiter == null) {
            signalSearchLimiter = new RateBucket(limits.signalSearchesPerS(), limits.signalSearchBurst(), node.clock().millis());
        }
        long waitMs = signalSearchLimiter.tryTake(1, node.clock().millis());
        return waitMs == 0 ? null : new ProtocolException(ErrorCode.RATE_LIMITED, String.format(
                "call signals to users not known here ('%s'): more than %d/s (burst %d) need a mesh search; retry in %d ms",
                to, limits.signalSearchesPerS(), limits.signalSearchBurst(), waitMs));
    }

    private void relayAllocate(ChannelHandlerContext ctx, long id, String callId) {
        if (callId.length() > MAX_CALL_ID_CHARS) {
            ctx.writeAndFlush(Envelopes.error(id, ErrorCode.BAD_REQUEST,
                    String.format("relayAllocate.callId: %d chars (expected: <= %d)", callId.length(), MAX_CALL_ID_CHARS)));
            return;
        }
        node.relay().allocate(session.username(), callId).whenComplete((a, e) -> ctx.executor().execute(() -> {
            if (e != null) {
                node.locator().meters().rateLimited(NodeMeters.Limit.RELAY_ALLOCATION);
                ctx.writeAndFlush(Envelopes.error(id, ErrorCode.RATE_LIMITED, Futures.unwrap(e).getMessage()));
                return;
            }
            node.locator().meters().relayAllocated();
            ctx.writeAndFlush(Envelopes.builder(id).setRelayAllocated(RelayAllocated.newBuilder()
                    .setAllocationId(a.id()).setRelay(node.advertised().toAddress())
                    .setCallerToken(ByteString.copyFrom(a.callerToken())).setCalleeToken(ByteString.copyFrom(a.calleeToken()))
                    .setCallerKey(ByteString.copyFrom(a.callerKey())).setCalleeKey(ByteString.copyFrom(a.calleeKey()))
                    .setMaxLifetimeMs((int) node.relay().limits().maxLifetimeMs())
                    .setMaxBytesPerSecond((int) node.relay().limits().bytesPerSecond())
                    .setIdleTimeoutMs((int) node.relay().limits().idleTimeoutMs())).build());
        }));
    }
}
