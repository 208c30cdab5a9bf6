package dev.parley.client.call;

import dev.parley.client.media.MediaSession;
import dev.parley.nat.transport.TaskScheduler;
import dev.parley.protocol.HostPort;
import dev.parley.protocol.wire.MediaDescription;
import dev.parley.protocol.wire.MediaUpdate;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Path failover of one call (docs/nat.md "Path failover"): re-establishes the media path when it is
 * lost mid-call, e.g. because the super node relaying it died, and records the gap.
 *
 * <p>Detection, on both sides: no RTP from the peer for {@value #MEDIA_LOSS_MS} ms (a watchdog;
 * media normally brings 50 packets/s), consent loss on the selected pair (RFC 7675), or — at once —
 * the loss of the super node whose relay carries the media (its control connection closed).
 *
 * <p>Renegotiation, driven by the caller (it owns the relay allocation and controls ICE): once it
 * has a super node again (the client rejoins the overlay by itself), it runs a new {@link PathRound}
 * on the same media socket (new relay, fresh candidates, new ICE credentials) and sends its
 * description as a {@code MediaUpdate} offer (generation 1, 2, …); the callee runs a round too (with
 * the offered relay), answers with its own {@code MediaUpdate}, and both check again. The selected
 * pair becomes the media's new remote; SSRC and sequence numbers continue, so the gap shows as loss
 * and in {@link CallReport#mediaGapMs()}. A failed step (no super node yet, no relay, signal refused,
 * no answer within {@value #ANSWER_TIMEOUT_MS} ms, checks failed) is retried after {@value #RETRY_MS}
 * ms with a new generation; either side hangs up {@value #GIVE_UP_MS} ms after the loss if no new
 * path was found. The fields here are this call's recovery state, written only on the engine's thread.
 */
final class PathRecovery {
    private static final Logger log = LoggerFactory.getLogger(PathRecovery.class);
    static final long WATCHDOG_INTERVAL_MS = 250;
    /** No RTP from the peer for this long while media runs: the path is lost. */
    static final long MEDIA_LOSS_MS = 1500;
    /** Caller: an offer not answered within this time is offered again. */
    static final long ANSWER_TIMEOUT_MS = 4000;
    /** Delay before retrying a failed step. */
    static final long RETRY_MS = 500;
    /** Hang up when no new path was found this long after the loss. */
    static final long GIVE_UP_MS = 30_000;

    private final CallSession call;
    private final CallContext ctx;
    private int generation;
    private long lostAtMs = -1;
    private String lostReason = "";
    private long resumedAtMs = -1;
    private boolean hadRelay;
    private boolean awaitingRetry;
    private TaskScheduler.@Nullable Cancellable watchdog;
    private TaskScheduler.@Nullable Cancellable retryTimer;
    private TaskScheduler.@Nullable Cancellable giveUpTimer;

    PathRecovery(CallSession call, CallContext ctx) {
        this.call = call;
        this.ctx = ctx;
    }

    /** Media started on the call's first path: starts the watchdog. */
    void watch(boolean withRelay) {
        hadRelay = withRelay;
        scheduleWatchdog();
    }

    private void scheduleWatchdog() {
        watchdog = scheduler().schedule(() -> {
            if (call.ended()) {
                return;
            }
            if (!lost() && call.expectsMedia()) { // on hold no media comes, by agreement
                long silentMs = call.media().msSinceLastPacket();
                if (resumedAtMs >= 0) {
                    silentMs = Math.min(silentMs, call.now() - resumedAtMs);
                }
                if (silentMs > MEDIA_LOSS_MS) {
                    pathLost("no media from " + call.peer + " for " + silentMs + " ms");
                }
            }
            scheduleWatchdog();
        }, WATCHDOG_INTERVAL_MS);
    }

    /** Media is expected again after a hold: silence is counted from now. */
    void mediaResumed() {
        resumedAtMs = call.now();
    }

    /** The call ended: stops timers. */
    void stop() {
        cancel(watchdog);
        cancel(retryTimer);
        cancel(giveUpTimer);
    }

    /** The client lost its session with {@code superNode}: if that super node relays the media, the path is lost now. */
    void superNodeLost(HostPort superNode) {
        MediaSession media = call.media();
        if (call.ended() || !(call.phase() instanceof CallPhase.Active) || media.remote() == null) {
            return;
        }
        InetSocketAddress remote = media.remote();
        try {
            if (remote.getPort() == superNode.port() && remote.getAddress().equals(InetAddress.getByName(superNode.host()))) {
                pathLost("relay super node " + superNode + " lost");
            }
        } catch (UnknownHostException e) {
            log.debug("cannot resolve {}: {}", superNode, e.toString());
        }
    }

    /** The client joined the overlay again: a caller waiting to retry (no super node) retries now. */
    void rejoined() {
        if (call.outgoing && !call.ended() && lost() && awaitingRetry) {
            offer();
        }
    }

    /** The media path stopped working: the caller starts renegotiating, the callee waits for its offer. */
    void pathLost(String reason) {
        if (call.ended() || lost()) {
            return;
        }
        lostAtMs = call.now();
        lostReason = reason;
        log.warn("call {}: media path lost ({}); re-establishing", call.id, reason);
        call.setPhase(new CallPhase.Recovering(generation, reason));
        giveUpTimer = scheduler().schedule(() -> call.hangup(EndReason.MEDIA_LOST,
                reason + " (no new path within " + GIVE_UP_MS + " ms)"), GIVE_UP_MS);
        if (call.outgoing) {
            offer();
        }
    }

    private boolean lost() {
        return lostAtMs >= 0;
    }

    /** Caller: a new round (generation): relay, gathering, MediaUpdate offer. */
    private void offer() {
        if (call.ended() || !lost()) {
            return;
        }
        cancel(retryTimer);
        awaitingRetry = false;
        int gen = ++generation;
        PathRound round = call.newRound();
        round.prepare(null, media -> {
            if (stale(gen)) {
                return;
            }
            if (hadRelay && !round.hasRelay()) {
                retry(gen, "no relay allocation (no super node yet?)");
                return;
            }
            send(MediaUpdate.newBuilder().setMedia(media).setGeneration(gen), gen);
            retryTimer = scheduler().schedule(() -> retry(gen, "no answer"), ANSWER_TIMEOUT_MS);
        });
    }

    private boolean stale(int gen) {
        return call.ended() || !lost() || generation != gen;
    }

    private void retry(int gen, String why) {
        if (stale(gen) || !call.outgoing) {
            return;
        }
        log.info("call {}: path renegotiation {} failed ({}); retrying", call.id, gen, why);
        cancel(retryTimer);
        awaitingRetry = true;
        retryTimer = scheduler().schedule(this::offer, RETRY_MS);
    }

    /** A MediaUpdate from the peer: an offer (callee) or the answer to ours (caller). */
    void onUpdate(MediaUpdate update) {
        if (call.ended() || !(call.phase() instanceof CallPhase.Active || call.phase() instanceof CallPhase.Recovering)) {
            return;
        }
        int gen = update.getGeneration();
        if (call.outgoing) {
            if (!update.getAnswer() || stale(gen)) {
                return; // a duplicate, late or unsolicited answer
            }
            cancel(retryTimer);
            connect(call.round(), update.getMedia(), gen);
            return;
        }
        if (update.getAnswer() || gen <= generation) {
            return; // a duplicate or an old offer
        }
        generation = gen;
        pathLost("peer renegotiates the media path");
        PathRound round = call.newRound();
        MediaDescription theirs = update.getMedia();
        round.prepare(theirs, ours -> {
            if (stale(gen)) {
                return;
            }
            // checks first: the offerer starts its own on our answer (PathRound.connect)
            connect(round, theirs, gen, () -> send(MediaUpdate.newBuilder().setMedia(ours).setGeneration(gen).setAnswer(true), gen));
        });
    }

    private void connect(PathRound round, MediaDescription remote, int gen) {
        connect(round, remote, gen, () -> { });
    }

    private void connect(PathRound round, MediaDescription remote, int gen, Runnable started) {
        round.connect(remote, call.events(round, selected -> resumed(gen, selected), (reason, detail) -> retry(gen, detail)), started);
    }

    private void resumed(int gen, PathRound.Selected selected) {
        if (stale(gen)) {
            return;
        }
        long lostMs = call.now() - lostAtMs;
        lostAtMs = -1;
        resumedAtMs = call.now();
        cancel(giveUpTimer);
        cancel(retryTimer);
        call.resumed(selected);
        log.info("call {}: media path re-established: {} via {}, {} ms after it was lost ({})", call.id, selected.path(),
                selected.remote(), lostMs, lostReason);
    }

    private void send(MediaUpdate.Builder update, int gen) {
        call.sendSealed(b -> b.setUpdate(update)).whenComplete((ok, e) -> {
            if (e != null) {
                scheduler().execute(() -> retry(gen, "offer not delivered: " + e.getMessage()));
            }
        });
    }

    private TaskScheduler scheduler() {
        return ctx.runtime().scheduler();
    }

    private static void cancel(TaskScheduler.@Nullable Cancellable c) {
        if (c != null) {
            c.cancel();
        }
    }
}
