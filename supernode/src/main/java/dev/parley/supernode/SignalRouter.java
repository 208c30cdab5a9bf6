package dev.parley.supernode;

import com.google.protobuf.ByteString;
import dev.parley.protocol.Envelopes;
import dev.parley.protocol.HostPort;
import dev.parley.protocol.ProtocolException;
import dev.parley.protocol.wire.CallSignal;
import dev.parley.protocol.wire.Envelope;
import dev.parley.protocol.wire.ErrorCode;
import dev.parley.protocol.wire.PeerGone;
import dev.parley.protocol.wire.RoutedSignal;
import io.netty.util.concurrent.EventExecutor;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Relays call signals (INVITE, RINGING, ACCEPT, REJECT, BUSY, BYE) towards the callee's super node.
 *
 * <p>A signal for a user registered here is pushed (request id 0) on that user's connection. Any
 * other user is located with {@link UserLocator} (not trusting digests' "no": a user who logged in
 * a moment ago must still be reachable) and the signal is sent to their super node as a
 * {@code RoutedSignal} request. A cached "not online" answers at once: it comes only from a search
 * that asked every peer, and each of them pushes {@code PresenceChanged} (which invalidates it) when
 * the user appears there; a super node that joined the mesh since may leave it stale for up to
 * {@link SearchSettings#negativeTtl()}. A signal that would search the mesh (target neither local
 * nor cached) first spends from the sender's {@link SearchBudget}. A cached location that turns out stale (the peer no longer has the
 * user, or does not answer) is invalidated and the lookup is redone once without the cache, so a
 * user who moved is still reached.
 *
 * <p>Failures are {@link ProtocolException}s with {@link ErrorCode#USER_OFFLINE} when no super
 * node has the user or the user's super node does not answer; other error codes from the peer
 * (e.g. {@code INVALID_USERNAME}) are passed through.
 */
final class SignalRouter {
    private static final Logger log = LoggerFactory.getLogger(SignalRouter.class);

    /** The sender's allowance of signals that make this super node search the mesh. */
    interface SearchBudget {
        /** @return the refusal if the allowance is spent, else null (one search is taken from it) */
        @Nullable ProtocolException spend();
    }

    private final PresenceIndex presence;
    private final UserLocator locator;
    private final PeerConnections peers;
    private final Duration peerRequestTimeout;

    SignalRouter(PresenceIndex presence, UserLocator locator, PeerConnections peers, Duration peerRequestTimeout) {
        this.presence = presence;
        this.locator = locator;
        this.peers = peers;
        this.peerRequestTimeout = peerRequestTimeout;
    }

    /**
     * Routes a signal sent by a local client.
     *
     * @param signal the signal with canonical {@code from} and {@code to}
     * @param timer executor for search deadlines (the sender's event loop)
     * @param budget the sender's allowance of mesh searches, spent only when the target is neither
     *     registered here nor cached
     * @return completes when the signal was pushed locally or accepted by the callee's super node;
     *     exceptionally with {@link ProtocolException} (the budget's refusal included)
     */
    CompletableFuture<Void> route(CallSignal signal, EventExecutor timer, SearchBudget budget) {
        Envelope push = Envelopes.builder(0).setCallSignal(signal).build();
        Envelope.Builder request = Envelope.newBuilder().setRoutedSignal(RoutedSignal.newBuilder().setSignal(signal));
        CompletableFuture<Void> routed = routeTo(signal.getTo(), push, request,
                "call " + signal.getCallId() + ": " + kind(signal) + " " + signal.getFrom() + " -> " + signal.getTo(), budget);
        routed.whenComplete((v, e) -> locator.meters().signalRouted(e == null));
        return routed;
    }

    /**
     * Routes any envelope to a user as call signals are (also chat packets: {@link ChatRelay}).
     *
     * @param to the recipient's canonical name
     * @param push what the recipient's connection gets if registered here (request id 0)
     * @param peerRequest what the recipient's super node is asked (it answers {@code Ok} or {@code USER_OFFLINE})
     * @param what for logs
     * @param budget the sender's allowance of mesh searches
     * @return as {@link #route}
     */
    CompletableFuture<Void> routeTo(String to, Envelope push, Envelope.Builder peerRequest, String what, SearchBudget budget) {
        if (deliverLocal(to, push, what)) {
            return CompletableFuture.completedFuture(null);
        }
        if (isLocal(to)) { // registered here, but not the device named (a search found the devices registered here)
            return CompletableFuture.failedFuture(new ProtocolException(ErrorCode.USER_OFFLINE,
                    "that device of '" + to + "' is not online"));
        }
        if (!locator.isCached(to)) {
            ProtocolException refused = budget.spend();
            if (refused != null) {
                return CompletableFuture.failedFuture(refused);
            }
        }
        return locator.locate(to, UserLocator.CacheUse.ALL, false).thenCompose(outcome -> forward(to, peerRequest, what, outcome));
    }

    private CompletableFuture<Void> forward(String to, Envelope.Builder request, String what, SearchOutcome outcome) {
        if (outcome.location().isEmpty()) {
            return CompletableFuture.failedFuture(offline(to));
        }
        Location location = outcome.location().get();
        return peers.request(location.superNode(), request, peerRequestTimeout).handle((response, e) -> {
            if (e == null) {
                log.info("{} routed via {}", what, location.superNode());
                return CompletableFuture.<Void>completedFuture(null);
            }
            Throwable cause = PeerConnections.unwrap(e);
            locator.invalidate(to);
            if (location.cached()) {
                log.debug("cached location of {} at {} is stale ({}); searching again", to, location.superNode(),
                        cause.getMessage());
                return locator.locate(to, UserLocator.CacheUse.NONE, false).thenCompose(fresh -> forward(to, request, what, fresh));
            }
            return CompletableFuture.<Void>failedFuture(translate(to, location.superNode(), cause));
        }).thenCompose(f -> f);
    }

    private static ProtocolException translate(String to, HostPort superNode, Throwable cause) {
        if (cause instanceof ProtocolException pe) {
            return pe.code() == ErrorCode.USER_OFFLINE ? offline(to) : pe;
        }
        return new ProtocolException(ErrorCode.USER_OFFLINE,
                "user '" + to + "' is not reachable: super node " + superNode + " did not answer (" + cause.getMessage() + ")");
    }

    /**
     * Delivers a signal that a peer super node forwarded to a user registered here.
     *
     * @throws ProtocolException {@link ErrorCode#USER_OFFLINE} if the user is not registered here
     */
    void deliverRouted(CallSignal signal) throws ProtocolException {
        if (!deliverLocal(signal.getTo(), Envelopes.builder(0).setCallSignal(signal).build(),
                "call " + signal.getCallId() + ": " + kind(signal) + " " + signal.getFrom() + " -> " + signal.getTo())) {
            throw offline(signal.getTo());
        }
    }

    /** @return whether {@code to} is registered here (any thread) */
    boolean isLocal(String to) {
        return presence.get(to) != null;
    }

    /**
     * Pushes a call signal or chat packet to the device of {@code to} it names ({@code to_device},
     * {@code recipient_device}; the newest device when it names none).
     *
     * @return whether that device of {@code to} is registered here (then {@code push} was written to its connection)
     */
    boolean deliverLocal(String to, Envelope push, String what) {
        ByteString device = push.hasCallSignal() ? push.getCallSignal().getToDevice()
                : push.hasChatPacket() ? push.getChatPacket().getRecipientDevice() : ByteString.EMPTY;
        Session recipient = presence.device(to, device);
        if (recipient == null) {
            return false;
        }
        if (push.hasCallSignal()) { // remembered before the push: same loop, in order (docs/protocol.md "Peer gone")
            CallRoutes.remember(recipient.channel(), push.getCallSignal().getCallId(), push.getCallSignal().getFrom());
        }
        recipient.push(push);
        log.info("{} delivered", what);
        return true;
    }

    /**
     * Tells {@code notice.to} that {@code notice.user}, a client of this super node, lost its
     * connection mid-call (docs/protocol.md "Peer gone"): pushed when {@code to} is registered here,
     * else sent to {@code to}'s super node (found like a signal's target). Best effort: failures are
     * only logged.
     */
    void peerGone(PeerGone notice) {
        if (deliverPeerGone(notice)) {
            return;
        }
        String to = notice.getTo();
        locator.locate(to, UserLocator.CacheUse.ALL, false).thenCompose(outcome -> outcome.location().isEmpty()
                ? CompletableFuture.completedFuture(null)
                : peers.request(outcome.location().get().superNode(), Envelope.newBuilder().setPeerGone(notice), peerRequestTimeout))
                .whenComplete((ok, e) -> {
                    if (e != null) {
                        log.debug("call {}: telling {} that {} is gone failed: {}", notice.getCallId(), to, notice.getUser(),
                                e.getMessage());
                    }
                });
    }

    /**
     * Pushes a peer-gone notice to its target if registered here, and only for a call this super
     * node routed between the two ({@link CallRoutes}): a peer super node cannot end other calls.
     *
     * @return false if {@code notice.to} is not registered here
     */
    boolean deliverPeerGone(PeerGone notice) {
        List<Session> targets = presence.devices(notice.getTo());
        if (targets.isEmpty()) {
            return false;
        }
        for (Session target : targets) { // only the device(s) whose routes hold the call act on it
            target.channel().eventLoop().execute(() -> {
                if (CallRoutes.of(target.channel()).routed(notice.getCallId(), notice.getUser())) {
                    log.info("call {}: telling {} that {}'s connection was lost", notice.getCallId(), notice.getTo(), notice.getUser());
                    target.push(Envelopes.builder(0).setPeerGone(notice).build());
                } else {
                    log.debug("call {}: not telling {} at {} that {} is gone: no such call routed to it", notice.getCallId(),
                            notice.getTo(), target.channel().remoteAddress(), notice.getUser());
                }
            });
        }
        return true;
    }

    /** @return what the log may say about a signal's kind: "sealed" for end-to-end sealed ones (the kind is secret) */
    private static Object kind(CallSignal signal) {
        return signal.getSealed().isEmpty() ? signal.getKindCase() : "sealed";
    }

    static ProtocolException offline(String username) {
        return new ProtocolException(ErrorCode.USER_OFFLINE, "user '" + username + "' is not online");
    }
}
