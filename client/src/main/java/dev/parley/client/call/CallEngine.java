package dev.parley.client.call;

import dev.parley.client.media.AudioResources;
import dev.parley.client.media.MediaStats;
import dev.parley.codec.audio.AudioSink;
import dev.parley.codec.audio.AudioSource;
import dev.parley.protocol.Credentials;
import dev.parley.protocol.HostPort;
import dev.parley.protocol.ProtocolException;
import dev.parley.protocol.Usernames;
import dev.parley.protocol.X25519KeyPair;
import dev.parley.protocol.wire.Busy;
import dev.parley.protocol.wire.CallSignal;
import dev.parley.protocol.wire.Credential;
import dev.parley.protocol.wire.ErrorCode;
import dev.parley.protocol.wire.Reject;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Function;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client's calls (design flow 4): places and receives calls through the super nodes and holds
 * the one current {@link CallSession}. A second call while one is in progress is answered BUSY.
 *
 * <p>Every piece of call state lives on the runtime's scheduler ({@link CallRuntime#scheduler()}),
 * one thread: public methods may be called from any thread and only submit tasks there.
 */
public final class CallEngine {
    private static final Logger log = LoggerFactory.getLogger(CallEngine.class);

    // Replaced on the scheduler thread by credentialRenewed; volatile as execute() reads its runtime anywhere.
    private volatile CallContext ctx;
    private @Nullable CallSession current; // scheduler thread only

    private final RecentInvites recentInvites = new RecentInvites(); // scheduler thread only

    /**
     * @param settings the local party's settings
     * @param trust the keys that sign, seal and open this side's signals; the callee directory; remembered contacts
     * @param nat STUN servers, relays and check timings
     * @param runtime the thread, clocks, randomness and media sockets calls run on
     * @param signaller sends a signal through the super node; completes when acknowledged
     * @param policy decides on incoming calls
     * @param listener observes progress
     */
    public CallEngine(CallSettings settings, CallTrust trust, NatTraversal nat, CallRuntime runtime,
            Function<CallSignal, CompletableFuture<Void>> signaller, IncomingCallPolicy policy, CallListener listener) {
        this.ctx = new CallContext(settings, trust, nat, runtime, signaller, policy, listener,
                new SpareMedia(settings, runtime.random(), runtime.media()), new SignalDrops(runtime.nowMs()));
    }

    /**
     * Sends {@code credential} in the INVITE and ACCEPT of later calls (after a renewal); calls in
     * progress keep the one they started with.
     */
    public void credentialRenewed(Credential credential) {
        execute(() -> ctx = ctx.withCredential(credential));
    }

    /**
     * Places a call.
     *
     * @param name username to call (any case)
     * @param source audio to send (closed when the call ends)
     * @param sink where received audio goes (closed when the call ends)
     * @return completes with the report when the call ends (it never completes exceptionally:
     *     failures such as "user is offline" are in {@link CallReport#end()})
     */
    public CompletableFuture<CallReport> call(String name, AudioSource source, AudioSink sink) {
        CompletableFuture<CallReport> result = new CompletableFuture<>();
        execute(() -> {
            String callee;
            try {
                callee = Usernames.canonical(name); // signed as the signal's recipient: the form super nodes route
            } catch (ProtocolException e) {
                AudioResources.closeQuietly(source, sink);
                result.complete(CallReport.notStarted(name, EndReason.UNREACHABLE, e.getMessage()));
                return;
            }
            if (ctx.settings().credential().getEncryptionKey().isEmpty()) {
                AudioResources.closeQuietly(source, sink);
                result.complete(CallReport.notStarted(callee, EndReason.INSECURE,
                        "our credential certifies no encryption key: log in again"));
                return;
            }
            if (callee.equals(ctx.settings().self())) {
                AudioResources.closeQuietly(source, sink);
                result.complete(CallReport.notStarted(callee, EndReason.CALLED_SELF, ""));
                return;
            }
            if (current != null) {
                AudioResources.closeQuietly(source, sink);
                result.complete(CallReport.notStarted(callee, EndReason.ALREADY_IN_CALL,
                        "with " + current.peer + "; hang up first, or put it on hold"));
                return;
            }
            track(CallSession.call(ctx, newCallId(), callee, source, sink)).whenComplete((r, e) -> result.complete(r));
        });
        return result;
    }

    /** Answers the ringing incoming call, if any; completes with false if there is none. */
    public CompletableFuture<Boolean> answer(AudioSource source, AudioSink sink) {
        return onLoop(() -> {
            if (current == null || !current.ringingIncoming()) {
                AudioResources.closeQuietly(source, sink);
                return false;
            }
            current.answer(source, sink);
            return true;
        });
    }

    /** Declines the ringing incoming call, if any, with a reason shown to the caller. */
    public CompletableFuture<Boolean> reject(String reason) {
        return onLoop(() -> {
            if (current == null || !current.ringingIncoming()) {
                return false;
            }
            current.decline(reason);
            return true;
        });
    }

    /**
     * Ends the current call, if any: cancelled before it was answered, declined while ringing, else
     * hung up. The call ends on the engine's thread at once; the future waits for the peer's BYE (or
     * REJECT) to be taken by the super node, so a caller about to exit (quit, Ctrl-C, SIGTERM) can wait
     * for it (bounded by its own timeout) before closing the connection.
     *
     * @return completes with false if there was no call, true once the signal was sent (or failed to be)
     */
    public CompletableFuture<Boolean> hangup() {
        return onLoop(() -> {
            if (current == null) {
                return CompletableFuture.completedFuture(false);
            }
            boolean established = current.phase() instanceof CallPhase.Active || current.phase() instanceof CallPhase.Recovering;
            CompletableFuture<Void> sent = current.ringingIncoming() ? current.decline("")
                    : current.hangup(established || !current.outgoing ? EndReason.HUNG_UP : EndReason.CANCELLED, "");
            return sent.handle((ok, e) -> true);
        }).thenCompose(f -> f);
    }

    /**
     * Mutes (sends silence) or unmutes the current call's audio.
     *
     * @return completes with false if no call is in progress
     */
    public CompletableFuture<Boolean> mute(boolean on) {
        return onLoop(() -> {
            if (current == null || current.ended() || current.media() == null) {
                return false;
            }
            current.hold().mute(on);
            return true;
        });
    }

    /**
     * Holds the active call (our media stops; the peer is told, docs/protocol.md "Hold") or resumes it.
     *
     * @return completes with false if no call with media is in progress
     */
    public CompletableFuture<Boolean> hold(boolean on) {
        return onLoop(() -> {
            if (current == null || !current.mediaStarted() || current.ended()) {
                return false;
            }
            current.hold().hold(on);
            return true;
        });
    }

    /**
     * Our super node says {@code user}'s control connection to its super node dropped mid-call
     * (docs/protocol.md "Peer gone"). Trusted only as far as the session it came on (the caller
     * passes only pushes of our own super node's session); it touches only the current call of that
     * id with that peer, which ends at once or after a grace while the peer's media still flows
     * ({@link PeerLoss}). Any thread.
     */
    public void onPeerGone(String callId, String user) {
        execute(() -> {
            if (current != null && current.id.equals(callId) && current.peer.equals(user)) {
                current.peerLoss().notice();
            } else {
                log.debug("ignoring a peer-gone notice for call {} of {}: not the current call", callId, user);
            }
        });
    }

    /** @return completes with the live media statistics of the active call (none when no media runs) */
    public CompletableFuture<@Nullable MediaStats> stats() {
        return onLoop(() -> current == null || !(current.phase() instanceof CallPhase.Active
                || current.phase() instanceof CallPhase.Recovering) ? null : current.media().stats());
    }

    /** @return completes with the current call's protection: SAS and cipher suite (none before its keys are agreed) */
    public CompletableFuture<@Nullable CallSecurity> security() {
        return onLoop(() -> current == null ? null : current.security());
    }

    /** @return completes with the current call's phase (none without a call) */
    public CompletableFuture<@Nullable CallPhase> phase() {
        return onLoop(() -> current == null ? null : current.phase());
    }

    /** @return completes with the current call's id (empty without a call) */
    public CompletableFuture<String> callId() {
        return onLoop(() -> current == null ? "" : current.id);
    }

    /** @return completes with true if a call is in progress (calling, ringing or active) */
    public CompletableFuture<Boolean> hasCall() {
        return onLoop(() -> current != null);
    }

    /**
     * The client lost its super node (it is rejoining the overlay): a call whose media that super
     * node relays re-establishes its path at once (docs/nat.md "Path failover"). Any thread.
     */
    public void onSuperNodeLost(HostPort superNode) {
        execute(() -> {
            if (current != null) {
                current.recovery().superNodeLost(superNode);
            }
        });
    }

    /** The client joined the overlay again through {@code superNode}: a path renegotiation waiting for it goes on. Any thread. */
    public void onSuperNodeRejoined(HostPort superNode) {
        execute(() -> {
            if (current != null) {
                current.recovery().rejoined();
            }
        });
    }

    /** Feeds a call signal pushed by the super node; any thread. */
    public void onSignal(CallSignal signal) {
        execute(() -> handle(signal));
    }

    /**
     * Routes a signal: only sealed, signed signals count (no weaker fallback). One of the current
     * call from its peer goes to that call, which verifies and opens it; one that carries a
     * credential may be a new INVITE; anything else is dropped.
     */
    private void handle(CallSignal wire) {
        if (wire.getSealed().isEmpty() || wire.getSignature().isEmpty()) {
            ctx.drops().drop(wire.getCallId(), wire.getFrom(), "unsealed " + wire.getKindCase()
                    + " (unencrypted signals are refused)");
            return;
        }
        if (current != null && current.id.equals(wire.getCallId())) {
            if (current.peer.equals(wire.getFrom())) {
                current.onSealed(wire);
            } else {
                ctx.drops().drop(wire.getCallId(), wire.getFrom(), "the sender is not in this call");
            }
            return;
        }
        if (!wire.hasSenderCredential()) {
            ctx.drops().drop(wire.getCallId(), wire.getFrom(), "not an INVITE, and for no current call");
            return;
        }
        onInvite(wire);
    }

    /** A possible INVITE: verified (credential, signature, decryption, freshness) before anything is answered. */
    private void onInvite(CallSignal wire) {
        String caller = wire.getFrom();
        CallSignal s;
        try {
            Credential credential = wire.getSenderCredential();
            CallCrypto.verifyPeer(ctx, credential, caller);
            s = CallCrypto.openFrom(ctx, wire, credential);
            if (!s.hasInvite()) {
                throw new ProtocolException(ErrorCode.BAD_REQUEST, s.getKindCase() + " for an unknown call");
            }
            long ageMs = Math.abs(ctx.runtime().wallClock().millis() - s.getInvite().getSentAtMs());
            if (ageMs > Credentials.CLOCK_SKEW.toMillis()) {
                throw new ProtocolException(ErrorCode.BAD_REQUEST, String.format(
                        "INVITE sent %d ms from now (expected: <= %d): a replay?", ageMs, Credentials.CLOCK_SKEW.toMillis()));
            }
            if (!recentInvites.add(s.getCallId(), ctx.runtime().nowMs().getAsLong())) {
                throw new ProtocolException(ErrorCode.BAD_REQUEST, "INVITE of a call already seen: a replay");
            }
        } catch (ProtocolException e) {
            ctx.drops().drop(wire.getCallId(), caller, e.getMessage());
            return;
        }
        CallCrypto crypto = new CallCrypto(ctx, s.getCallId(), false, s.getSenderCredential(), s.getSeq());
        if (current != null) {
            ctx.signaller().apply(crypto.seal(ctx.signal(s.getCallId(), caller).setBusy(Busy.getDefaultInstance()).build()));
            ctx.listener().onMissedCall(caller, ctx.runtime().wallClock().millis(),
                    "you were in a call with " + current.peer + " (answered busy)");
            return;
        }
        try {
            MediaDescriptions.remoteAddress(s.getInvite().getMedia());
            int hashBytes = s.getInvite().getKeyShareHash().size();
            if (hashBytes == 0) {
                throw new ProtocolException(ErrorCode.BAD_REQUEST, "no key share (unencrypted calls are refused)");
            }
            if (hashBytes != X25519KeyPair.KEY_BYTES) {
                throw new ProtocolException(ErrorCode.BAD_REQUEST, String.format(
                        "key share commitment: %d bytes (expected: %d)", hashBytes, X25519KeyPair.KEY_BYTES));
            }
        } catch (ProtocolException e) {
            log.warn("refusing call {} from {}: {}", s.getCallId(), caller, e.getMessage());
            ctx.signaller().apply(crypto.seal(ctx.signal(s.getCallId(), caller)
                    .setReject(Reject.newBuilder().setReason("refused: " + e.getMessage())).build()));
            return;
        }
        crypto.peerCommitted(s.getInvite().getKeyShareHash().toByteArray());
        crypto.announceIfChanged(caller);
        track(CallSession.incoming(ctx, s.getCallId(), caller, s.getInvite().getMedia(), crypto));
    }

    /** Makes {@code s} the current call until it ends, then opens the next call's media ahead of time. */
    private CompletableFuture<CallReport> track(CallSession s) {
        if (!s.ended()) {
            current = s;
        }
        // done completes in CallSession.end, on this thread: the slot is free before any later task runs
        long atMs = ctx.runtime().wallClock().millis();
        return s.done().whenComplete((r, e) -> {
            if (current == s) {
                current = null;
            }
            if (r != null && r.missed()) {
                ctx.listener().onMissedCall(r.peer(), atMs, r.endReason());
            }
            prepareMedia();
        });
    }

    /** Opens the next call's media socket now, off that call's setup path. Any thread. */
    public void prepareMedia() {
        execute(ctx.media()::prepare);
    }

    /** Closes the spare media socket; calls must have ended. Any thread. */
    public void close() {
        execute(ctx.media()::close);
    }

    private void execute(Runnable task) {
        try {
            ctx.runtime().scheduler().execute(task);
        } catch (RejectedExecutionException e) {
            log.debug("engine loop stopped");
        }
    }

    private String newCallId() {
        byte[] id = new byte[12];
        ctx.runtime().random().nextBytes(id);
        return HexFormat.of().formatHex(id);
    }

    private <T extends @Nullable Object> CompletableFuture<T> onLoop(Supplier<T> task) {
        return CompletableFuture.supplyAsync(task, ctx.runtime().executor());
    }
}
