package dev.parley.client.call;

import dev.parley.client.media.AudioResources;
import dev.parley.client.media.MediaStats;
import dev.parley.codec.audio.AudioSink;
import dev.parley.codec.audio.AudioSource;
import dev.parley.protocol.HostPort;
import dev.parley.protocol.ProtocolException;
import dev.parley.protocol.Usernames;
import dev.parley.protocol.wire.CallSignal;
import dev.parley.protocol.wire.Credential;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Function;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client's calls (design flow 4): places and receives calls through the super nodes and holds
 * its {@link CallSession}s ({@link CallSlots}): the current call; an incoming call that rings while
 * it is established (call waiting: answering it holds the current one, which stays in the
 * background until resumed; declining it answers BUSY); any further call is answered BUSY.
 *
 * <p>Every piece of call state lives on the runtime's scheduler ({@link CallRuntime#scheduler()}),
 * one thread: public methods may be called from any thread and only submit tasks there.
 */
public final class CallEngine {
    private static final Logger log = LoggerFactory.getLogger(CallEngine.class);

    // Replaced on the scheduler thread by credentialRenewed; volatile as execute() reads its runtime anywhere.
    private volatile CallContext ctx;
    private final CallSlots slots = new CallSlots(); // scheduler thread only
    private final IncomingSignals incoming = new IncomingSignals(slots, this::track); // scheduler thread only

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
            CallSession busyWith = slots.current() != null ? slots.current() : slots.held();
            if (busyWith != null) {
                AudioResources.closeQuietly(source, sink);
                result.complete(CallReport.notStarted(callee, EndReason.ALREADY_IN_CALL, "with " + busyWith.peer
                        + (busyWith == slots.held() ? " (on hold); hang up first" : "; hang up first, or put it on hold")));
                return;
            }
            CallSession call = CallSession.call(ctx, newCallId(), callee, source, sink);
            if (!call.ended()) {
                slots.setCurrent(call);
            }
            track(call).whenComplete((r, e) -> result.complete(r));
        });
        return result;
    }

    /**
     * Answers the ringing incoming call, if any. A waiting call (call waiting) is answered by putting
     * the current call on hold (the peer is told); it stays in the background until {@link #hold}
     * {@code (false)} resumes it after the new call ended.
     *
     * @return completes with false if no call rings
     */
    public CompletableFuture<Boolean> answer(AudioSource source, AudioSink sink) {
        return onLoop(() -> {
            CallSession current = slots.current();
            if (current != null && current.ringingIncoming()) {
                CalleeSteps.answer(current, source, sink);
                return true;
            }
            CallSession waiting = slots.waiting();
            if (waiting == null || !waiting.ringingIncoming()) {
                AudioResources.closeQuietly(source, sink);
                return false;
            }
            if (current != null && current.mediaStarted()) {
                current.hold().hold(true);
            }
            slots.promoteWaiting();
            CalleeSteps.answer(waiting, source, sink);
            return true;
        });
    }

    /**
     * Declines the ringing incoming call, if any, with a reason shown to the caller; a waiting call is
     * declined as busy.
     *
     * @return completes with false if no call rings
     */
    public CompletableFuture<Boolean> reject(String reason) {
        return onLoop(() -> {
            CallSession current = slots.current();
            if (current != null && current.ringingIncoming()) {
                CalleeSteps.decline(current, reason);
                return true;
            }
            CallSession waiting = slots.waiting();
            if (waiting != null && waiting.ringingIncoming()) {
                CalleeSteps.declineBusy(waiting);
                return true;
            }
            return false;
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
            CallSession call = slots.current() != null ? slots.current() : slots.held();
            return call == null ? CompletableFuture.completedFuture(false) : end(call).handle((ok, e) -> true);
        }).thenCompose(f -> f);
    }

    /**
     * Ends every call (current, waiting, held), as when the client exits.
     *
     * @return completes with false if there was none, true once every BYE (REJECT, BUSY) was taken by the super node or failed
     */
    public CompletableFuture<Boolean> hangupAll() {
        return onLoop(() -> {
            List<CallSession> all = slots.all();
            CompletableFuture<?>[] sent = all.stream().map(this::end).toArray(CompletableFuture[]::new);
            return CompletableFuture.allOf(sent).handle((ok, e) -> !all.isEmpty());
        }).thenCompose(f -> f);
    }

    /** Ends {@code call}: a waiting call is declined busy, a ringing one declined, an unanswered outgoing one cancelled, else hung up. */
    private CompletableFuture<Void> end(CallSession call) {
        if (call == slots.waiting()) {
            return CalleeSteps.declineBusy(call);
        }
        if (call.ringingIncoming()) {
            return CalleeSteps.decline(call, "");
        }
        boolean established = call.phase() instanceof CallPhase.Active || call.phase() instanceof CallPhase.Recovering;
        return call.hangup(established || !call.outgoing ? EndReason.HUNG_UP : EndReason.CANCELLED, "");
    }

    /**
     * Mutes (sends silence) or unmutes the current call's audio.
     *
     * @return completes with false if no call is in progress
     */
    public CompletableFuture<Boolean> mute(boolean on) {
        return onLoop(() -> {
            CallSession current = slots.current();
            if (current == null || current.ended() || current.media() == null) {
                return false;
            }
            current.hold().mute(on);
            return true;
        });
    }

    /**
     * Holds the current call (our media stops; the peer is told, docs/protocol.md "Hold") or resumes
     * it; with no current call, resuming brings back the call held in the background (call waiting).
     *
     * @return completes with false if there is no call with media to hold or resume
     */
    public CompletableFuture<Boolean> hold(boolean on) {
        return onLoop(() -> {
            if (!on && slots.current() == null && slots.held() != null) {
                slots.resumeHeld();
            }
            CallSession current = slots.current();
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
     * passes only pushes of our own super node's session); it touches only our call of that id with
     * that peer, which ends at once or after a grace while the peer's media still flows
     * ({@link PeerLoss}). Any thread.
     */
    public void onPeerGone(String callId, String user) {
        execute(() -> {
            CallSession call = slots.byId(callId);
            if (call != null && call.peer.equals(user)) {
                call.peerLoss().notice();
            } else {
                log.debug("ignoring a peer-gone notice for call {} of {}: no such call", callId, user);
            }
        });
    }

    /** @return completes with the live media statistics of the active call (none when no media runs) */
    public CompletableFuture<@Nullable MediaStats> stats() {
        return onLoop(() -> {
            CallSession current = slots.current();
            return current == null || !(current.phase() instanceof CallPhase.Active
                    || current.phase() instanceof CallPhase.Recovering) ? null : current.media().stats();
        });
    }

    /** @return completes with the current call's protection: SAS and cipher suite (none before its keys are agreed) */
    public CompletableFuture<@Nullable CallSecurity> security() {
        return onLoop(() -> slots.current() == null ? null : slots.current().security());
    }

    /** @return completes with the current call's phase (none without a call) */
    public CompletableFuture<@Nullable CallPhase> phase() {
        return onLoop(() -> slots.current() == null ? null : slots.current().phase());
    }

    /** @return completes with the current call's id (empty without a call) */
    public CompletableFuture<String> callId() {
        return onLoop(() -> slots.current() == null ? "" : slots.current().id);
    }

    /** @return completes with true if a call is in progress (calling, ringing, active, waiting or on hold) */
    public CompletableFuture<Boolean> hasCall() {
        return onLoop(() -> !slots.all().isEmpty());
    }

    /**
     * The client lost its super node (it is rejoining the overlay): a call whose media that super
     * node relays re-establishes its path at once (docs/nat.md "Path failover"). Any thread.
     */
    public void onSuperNodeLost(HostPort superNode) {
        execute(() -> slots.all().forEach(c -> c.recovery().superNodeLost(superNode)));
    }

    /** The client joined the overlay again through {@code superNode}: a path renegotiation waiting for it goes on. Any thread. */
    public void onSuperNodeRejoined(HostPort superNode) {
        execute(() -> slots.all().forEach(c -> c.recovery().rejoined()));
    }

    /** Feeds a call signal pushed by the super node ({@link IncomingSignals}); any thread. */
    public void onSignal(CallSignal signal) {
        execute(() -> incoming.route(ctx, signal));
    }

    /** Frees {@code s}'s slot when it ends (reporting a missed call), then opens the next call's media ahead of time. */
    private CompletableFuture<CallReport> track(CallSession s) {
        long atMs = ctx.runtime().wallClock().millis();
        // done completes in CallSession.end, on this thread: the slot is free before any later task runs
        return s.done().whenComplete((r, e) -> {
            slots.ended(s);
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
