package dev.parley.client.call;

import com.google.protobuf.ByteString;
import dev.parley.client.media.AudioResources;
import dev.parley.client.media.MediaSession;
import dev.parley.client.media.MediaStats;
import dev.parley.codec.audio.AudioSink;
import dev.parley.codec.audio.AudioSource;
import dev.parley.nat.transport.TaskScheduler;
import dev.parley.protocol.Futures;
import dev.parley.protocol.wire.Bye;
import dev.parley.protocol.wire.CallSignal;
import dev.parley.protocol.wire.Credential;
import dev.parley.protocol.wire.MediaDescription;
import dev.parley.protocol.wire.Ringing;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One call, from one side: the signalling state machine (INVITE / RINGING / ACCEPT / REJECT / BUSY /
 * BYE), its media session and its current {@link PathRound}. The session is the only writer of
 * every field here, and runs only on the engine's thread ({@link CallRuntime#scheduler()}):
 * signals, user commands, timers and the results of asynchronous work (relay, gathering, checks,
 * first RTP packet) all arrive as tasks there. Path failover is delegated to its {@link PathRecovery},
 * the peer's signals to {@link PeerSignals}.
 */
final class CallSession {
    private static final Logger log = LoggerFactory.getLogger(CallSession.class);

    final String id;
    final String peer;
    final boolean outgoing;
    private final CallContext ctx;
    private final CompletableFuture<CallReport> done = new CompletableFuture<>();
    private final CallTimeline timeline;
    private final PathRecovery recovery;
    private CallCrypto crypto; // a forked call adopts the answering device's ({@link CallFork})
    private KeyExchange keys;
    private @Nullable CallFork fork; // caller: the callee's other devices, while they ring
    private final CallHold hold = new CallHold(this);
    private final PeerLoss peerLoss = new PeerLoss(this);
    private CallPhase phase;
    private @Nullable AudioSource source;
    private @Nullable AudioSink sink;
    private @Nullable MediaSession media;
    private boolean mediaStarted;
    private @Nullable PathRound round;
    private @Nullable MediaDescription offer; // the peer's INVITE offer (callee), until answered
    private TaskScheduler.@Nullable Cancellable timer;

    private CallSession(CallContext ctx, String id, String peer, boolean outgoing, CallPhase phase, CallCrypto crypto) {
        this.ctx = ctx;
        this.crypto = crypto;
        this.keys = new KeyExchange(this, ctx, crypto);
        this.id = id;
        this.peer = peer;
        this.outgoing = outgoing;
        this.phase = phase;
        this.timeline = new CallTimeline(ctx.runtime().nowMs());
        this.recovery = new PathRecovery(this, ctx);
    }

    /**
     * Starts an outgoing call: opens media, asks the directory for the callee's credential while the
     * first path round gathers, then sends the sealed INVITE and starts the ring timeout.
     */
    static CallSession call(CallContext ctx, String id, String callee, AudioSource source, AudioSink sink) {
        CallSession s = new CallSession(ctx, id, callee, true, new CallPhase.Calling(), new CallCrypto(ctx, id, true, null, 0));
        s.setAudio(source, sink);
        ctx.listener().onPhase(id, callee, s.phase);
        if (s.openMedia()) {
            s.timeline.offered();
            CompletableFuture<List<Credential>> found = ctx.trust().directory().devicesOf(callee); // every device rings
            s.newRound().prepare(null, media -> {
                s.mark("gathered");
                found.whenCompleteAsync((devices, e) -> CallerSteps.invite(s, media, devices, e), ctx.runtime().executor());
            });
        }
        return s;
    }

    /** An incoming call whose INVITE verified: rings (RINGING with our key share); {@link CalleeSteps} goes on. */
    static CallSession ringing(CallContext ctx, String id, String caller, MediaDescription offer, CallCrypto crypto) {
        CallSession s = new CallSession(ctx, id, caller, false, new CallPhase.Ringing(), crypto);
        s.offer = offer;
        // our share right away: the caller reveals its own while our user answers (docs/protocol.md "Call keys and SAS")
        s.send(b -> b.setRinging(Ringing.newBuilder().setKeyShare(ByteString.copyFrom(crypto.ownShare()))));
        ctx.listener().onPhase(id, caller, s.phase);
        return s;
    }

    /** @return completes with the report when the call ends (never exceptionally) */
    CompletableFuture<CallReport> done() {
        return done;
    }

    CallPhase phase() {
        return phase;
    }

    boolean ended() {
        return phase.ended();
    }

    /** @return true while an incoming call waits for the local user */
    boolean ringingIncoming() {
        return !outgoing && phase instanceof CallPhase.Ringing;
    }

    /** The local user's audio for this call (owned by the call from now on). */
    void setAudio(AudioSource source, AudioSink sink) {
        this.source = source;
        this.sink = sink;
    }

    /** @return the caller's offer (callee) */
    MediaDescription offer() {
        return offer;
    }

    CallTimeline timeline() {
        return timeline;
    }

    /** A sealed signal of this call from the peer: dropped unless it verifies, opens and is new. */
    void onSealed(CallSignal wire) {
        if (ended()) {
            return;
        }
        if (fork != null && fork.claims(wire)) {
            return; // another device of the callee (several devices per account)
        }
        CallSignal s = crypto.open(wire);
        if (s != null) {
            PeerSignals.on(this, s);
        }
    }

    /** The call's protection once its keys are agreed; none before. */
    @Nullable CallSecurity security() {
        return crypto.security();
    }

    void startMedia(PathRound.Selected selected) {
        CallKeys.Secrets secrets = keys.keysFor(selected);
        if (secrets == null) {
            return; // the callee selected its path before the caller revealed its share: held
        }
        timeline.path(selected.path(), selected.setupMs());
        media.onAudioProblem(message -> ctx.listener().onMediaProblem(id, peer, message));
        mark("selected");
        media.start(selected.remote(), secrets.srtp(), source, sink);
        mediaStarted = true;
        mark("media-started");
        setPhase(new CallPhase.Active(selected.path()));
        recovery.watch(round.hasRelay());
        media.firstPacketReceived().thenRun(() -> ctx.runtime().scheduler().execute(() -> {
            timeline.firstPacket();
            log.info("call {} setup ({}): {}", id, outgoing ? "caller" : "callee", timeline.trace());
        }));
        media.sourceEnded().thenRun(() -> ctx.runtime().scheduler().schedule(
                () -> hangup(EndReason.INPUT_ENDED, ""), ctx.settings().hangupGrace().toMillis()));
    }

    // ---- used by PathRecovery (same thread) ----

    MediaSession media() {
        return media;
    }

    /** Closes the current round and starts a new one on the same media socket. */
    PathRound newRound() {
        if (round != null) {
            round.close();
        }
        round = new PathRound(id, outgoing, ctx.settings(), ctx.nat(), ctx.runtime(), media.socket(), media.ssrc());
        return round;
    }

    PathRound round() {
        return round;
    }

    /** Media moved to a renegotiated path. */
    void resumed(PathRound.Selected selected) {
        timeline.path(selected.path(), -1);
        media.switchRemote(selected.remote());
        setPhase(new CallPhase.Active(selected.path()));
    }

    /** @return the events of round {@code r} for this call ({@link RoundEvents}) */
    PathRound.Events events(PathRound r, Consumer<PathRound.Selected> onSelected, BiConsumer<EndReason, String> onFailed) {
        return new RoundEvents(this, r, onSelected, onFailed);
    }

    /** @return whether media from the peer is expected now: it flows and neither side holds the call */
    boolean expectsMedia() {
        return mediaStarted && !hold.held();
    }

    /** @return this call's mute and hold */
    CallHold hold() {
        return hold;
    }

    /** @return this call's reaction to its peer's super node saying the peer's connection was lost */
    PeerLoss peerLoss() {
        return peerLoss;
    }

    void setPhase(CallPhase next) {
        phase = next;
        ctx.listener().onPhase(id, peer, next);
    }

    /** The client lost or regained its super node. */
    PathRecovery recovery() {
        return recovery;
    }

    // ---- ending ----

    /**
     * Ends the call and tells the peer (BYE; its reason is the detail, empty when the reason says it all).
     *
     * @return completes when the super node took the BYE, or failed to (at once if there is nothing to tell)
     */
    CompletableFuture<Void> hangup(EndReason reason, String detail) {
        if (ended()) {
            return CompletableFuture.completedFuture(null);
        }
        CompletableFuture<Void> bye = send(b -> b.setBye(Bye.newBuilder().setReason(detail)));
        end(reason, detail);
        return bye;
    }

    /** Ends the call locally: stops timers, path and media, then reports. Idempotent. */
    void end(EndReason reason, String detail) {
        if (ended()) {
            return;
        }
        cancelTimer();
        keys.stop();
        if (fork != null) { // the callee's other devices stop ringing
            fork.stopOthers(reason == EndReason.REMOTE_DECLINED ? "declined on another device" : "");
        }
        recovery.stop();
        peerLoss.stop();
        MediaStats stats = media == null ? null : media.stats();
        long gapMs = mediaStarted ? media.maxPacketGapMs() : -1;
        if (round != null) {
            round.close();
        }
        if (media != null) {
            media.close();
        }
        if (!mediaStarted) {
            AudioResources.closeQuietly(source, sink);
        }
        CallReport report = timeline.report(this, reason, detail, mediaStarted ? stats : null, gapMs, crypto.security());
        log.info("call {} with {} ended: {}", id, peer, report.endReason());
        setPhase(new CallPhase.Ended(reason, detail));
        ctx.listener().onEnded(report);
        done.complete(report);
    }

    /**
     * Sends a signal of this call, sealed and signed; a failure (e.g. the peer went offline) ends the
     * call as unreachable. Nothing is sent while the callee's key is unknown (it knows nothing of the call yet).
     */
    CompletableFuture<Void> send(UnaryOperator<CallSignal.Builder> kind) {
        if (!crypto.peerKnown()) {
            return CompletableFuture.completedFuture(null);
        }
        CompletableFuture<Void> sent = sendSealed(kind);
        sent.whenComplete((ok, e) -> {
            if (e != null) {
                String why = Futures.unwrap(e).getMessage();
                ctx.runtime().scheduler().execute(() -> {
                    if (fork == null || !fork.ownDeviceOut()) { // another device of the callee may still ring
                        end(EndReason.UNREACHABLE, why == null ? "" : why);
                    }
                });
            }
        });
        return sent;
    }

    /** @return completes when the super node took the sealed signal; exceptionally if it refused or the peer's key is unknown */
    CompletableFuture<Void> sendSealed(UnaryOperator<CallSignal.Builder> kind) {
        CallSignal sealed = crypto.seal(kind.apply(ctx.signal(id, peer)).build());
        return sealed == null ? CompletableFuture.failedFuture(new IllegalStateException("the peer's key is not known yet"))
                : ctx.signaller().apply(sealed);
    }

    boolean openMedia() {
        try {
            media = ctx.media().take();
            mark("media-open");
            return true;
        } catch (IOException e) {
            if (outgoing) {
                end(EndReason.MEDIA_FAILED, e.getMessage());
            } else {
                hangup(EndReason.MEDIA_FAILED, e.getMessage());
            }
            return false;
        }
    }

    /** Runs {@code task} after {@code delayMs} unless the call's timer is cancelled or replaced first (one timer a call). */
    void setTimer(Runnable task, long delayMs) {
        cancelTimer();
        timer = ctx.runtime().scheduler().schedule(task, delayMs);
    }

    CallCrypto crypto() {
        return crypto;
    }

    /** Caller: the callee's other devices ring too ({@link CallerSteps#invite}). */
    void fork(@Nullable CallFork fork) {
        this.fork = fork;
    }

    /** @return the callee's other devices while they ring (caller), else null */
    @Nullable CallFork fork() {
        return fork;
    }

    /** Caller: another device of the callee answered: the call goes on with its keys ({@link CallFork}). */
    void adopt(CallCrypto branch) {
        keys.stop();
        crypto = branch;
        keys = new KeyExchange(this, ctx, branch);
    }

    KeyExchange keys() {
        return keys;
    }

    CallContext ctx() {
        return ctx;
    }

    void cancelTimer() {
        if (timer != null) {
            timer.cancel();
            timer = null;
        }
    }

    long now() {
        return ctx.runtime().nowMs().getAsLong();
    }

    TaskScheduler scheduler() {
        return ctx.runtime().scheduler();
    }

    CallListener listener() {
        return ctx.listener();
    }

    boolean mediaStarted() {
        return mediaStarted;
    }

    /** Setup timeline for the log: "step +ms" since the call started (docs/nat.md, setup time). */
    void mark(String step) {
        timeline.mark(step);
    }
}
