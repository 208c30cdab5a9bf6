package dev.parley.client.call;

import dev.parley.protocol.HostPort;
import dev.parley.protocol.wire.CallSignal;
import dev.parley.protocol.wire.MediaDescription;
import dev.parley.protocol.wire.MediaUpdate;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Path failover (docs/nat.md "Path failover"): re-establishes a call's media path when it is lost
 * mid-call, e.g. because the super node relaying it died, and records the gap.
 *
 * <p>Detection, on both sides: no RTP from the peer for {@value #MEDIA_LOSS_MS} ms (a watchdog;
 * media normally brings 50 packets/s), consent loss on the selected pair (RFC 7675), or — at once —
 * the loss of the super node whose relay carries the media (its control connection closed).
 *
 * <p>Renegotiation, driven by the caller (it owns the relay allocation and controls ICE): once it
 * has a super node again (the client rejoins the overlay by itself), it allocates a new relay,
 * gathers fresh candidates on the same media socket with new ICE credentials and sends a
 * {@code MediaUpdate} offer (generation 1, 2, …) through signalling; the callee gathers too (with
 * the offered relay's token), answers with its own {@code MediaUpdate}, and both run connectivity
 * checks again. The selected pair's address becomes the media's new remote; SSRC and sequence
 * numbers continue, so the gap shows as loss and in {@link CallReport#mediaGapMs()}. A failed step
 * (no super node yet, no relay, signal refused, no answer within {@value #ANSWER_TIMEOUT_MS} ms,
 * checks failed) is retried after {@value #RETRY_MS} ms with a new generation; either side hangs up
 * {@value #GIVE_UP_MS} ms after the loss if no new path was found. Confined to the engine's loop.
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

    private final CallMediaPath paths;
    private final Function<CallSignal, CompletableFuture<Void>> signaller;
    private final String self;
    private final ScheduledExecutorService loop;
    private final BiConsumer<Call, String> hangup;

    PathRecovery(CallMediaPath paths, Function<CallSignal, CompletableFuture<Void>> signaller, String self,
            ScheduledExecutorService loop, BiConsumer<Call, String> hangup) {
        this.paths = paths;
        this.signaller = signaller;
        this.self = self;
        this.loop = loop;
        this.hangup = hangup;
    }

    /** Media started on the call's first path: records it and starts the watchdog. */
    void watch(Call call) {
        call.hadRelay = call.relay != null;
        if (call.path != null) {
            call.pathHistory.add(call.path);
        }
        call.watchdog = loop.scheduleWithFixedDelay(() -> {
            if (call.ended() || call.pathLostNanos != 0) {
                return;
            }
            long silentMs = call.media.msSinceLastPacket();
            if (call.resumedNanos != 0) {
                silentMs = Math.min(silentMs, (System.nanoTime() - call.resumedNanos) / 1_000_000);
            }
            if (silentMs > MEDIA_LOSS_MS) {
                pathLost(call, "no media from " + call.peer + " for " + silentMs + " ms");
            }
        }, WATCHDOG_INTERVAL_MS, WATCHDOG_INTERVAL_MS, TimeUnit.MILLISECONDS);
    }

    /** The call ended: stops timers. */
    void stop(Call call) {
        Call.cancel(call.watchdog);
        Call.cancel(call.recoveryTimer);
        Call.cancel(call.giveUpTimer);
    }

    /** The client lost its session with {@code superNode}: if that super node relays the media, the path is lost now. */
    void superNodeLost(Call call, HostPort superNode) {
        if (call == null || call.ended() || !call.mediaStarted || call.media.remote() == null) {
            return;
        }
        InetSocketAddress remote = call.media.remote();
        try {
            if (remote.getPort() == superNode.port()
                    && remote.getAddress().equals(InetAddress.getByName(superNode.host()))) {
                pathLost(call, "relay super node " + superNode + " lost");
            }
        } catch (UnknownHostException e) {
            log.debug("cannot resolve {}: {}", superNode, e.toString());
        }
    }

    /** The client joined the overlay again: a caller waiting to retry (no super node) retries now. */
    void rejoined(Call call) {
        if (call != null && call.outgoing && !call.ended() && call.pathLostNanos != 0 && call.awaitingRetry) {
            offer(call);
        }
    }

    /** The media path stopped working: the caller starts renegotiating, the callee waits for its offer. */
    void pathLost(Call call, String reason) {
        if (call.ended() || call.pathLostNanos != 0) {
            return;
        }
        call.pathLostNanos = System.nanoTime();
        call.pathLostReason = reason;
        log.warn("call {}: media path {} lost ({}); re-establishing", call.id, call.path, reason);
        call.giveUpTimer = loop.schedule(() -> hangup.accept(call, "media path lost: " + reason + " (no new path within "
                + GIVE_UP_MS + " ms)"), GIVE_UP_MS, TimeUnit.MILLISECONDS);
        if (call.outgoing) {
            offer(call);
        }
    }

    /** Caller: a new round (generation) — relay, gathering, MediaUpdate offer. */
    private void offer(Call call) {
        if (call.ended() || call.pathLostNanos == 0) {
            return;
        }
        Call.cancel(call.recoveryTimer);
        call.awaitingRetry = false;
        int gen = ++call.updateGeneration;
        newRound(call);
        paths.allocateRelay(call, alloc -> {
            if (stale(call, gen)) {
                return;
            }
            if (alloc == null && call.hadRelay) {
                retry(call, gen, "no relay allocation (no super node yet?)");
                return;
            }
            InetSocketAddress relay = alloc == null ? null : CallMediaPath.resolve(alloc.getRelay());
            paths.prepare(call, relay, alloc == null ? null : alloc.getCallerToken().toByteArray(), local -> {
                if (stale(call, gen)) {
                    return;
                }
                MediaDescription media = paths.describe(call, local, alloc == null ? null : alloc.getCalleeToken().toByteArray());
                send(call, MediaUpdate.newBuilder().setMedia(media).setGeneration(gen)).whenCompleteAsync((ok, e) -> {
                    if (e != null) {
                        retry(call, gen, "offer not delivered: " + e.getMessage());
                    }
                }, loop);
                call.recoveryTimer = loop.schedule(() -> retry(call, gen, "no answer"), ANSWER_TIMEOUT_MS, TimeUnit.MILLISECONDS);
            });
        });
    }

    private boolean stale(Call call, int gen) {
        return call.ended() || call.pathLostNanos == 0 || call.updateGeneration != gen;
    }

    private void retry(Call call, int gen, String why) {
        if (stale(call, gen) || !call.outgoing) {
            return;
        }
        log.info("call {}: path renegotiation {} failed ({}); retrying", call.id, gen, why);
        Call.cancel(call.recoveryTimer);
        call.awaitingRetry = true;
        call.recoveryTimer = loop.schedule(() -> offer(call), RETRY_MS, TimeUnit.MILLISECONDS);
    }

    /** Replaces the call's ICE agent (and relay) with fresh ones on the same media socket. */
    private void newRound(Call call) {
        if (call.ice != null) {
            call.ice.close();
        }
        paths.release(call);
        call.ice = paths.newAgent(call, call.outgoing);
    }

    /** A MediaUpdate from the peer: an offer (callee) or the answer to ours (caller). */
    void onUpdate(Call call, MediaUpdate update) {
        if (call.ended() || !call.mediaStarted) {
            return;
        }
        int gen = update.getGeneration();
        if (call.outgoing) {
            if (!update.getAnswer() || stale(call, gen)) {
                return;
            }
            Call.cancel(call.recoveryTimer);
            call.remoteMedia = update.getMedia();
            connect(call, gen);
            return;
        }
        if (update.getAnswer() || gen <= call.updateGeneration) {
            return; // a duplicate or an old offer
        }
        call.updateGeneration = gen;
        pathLost(call, "peer renegotiates the media path");
        newRound(call);
        call.remoteMedia = update.getMedia();
        InetSocketAddress relay = CallMediaPath.offeredRelay(update.getMedia());
        paths.prepare(call, relay, relay == null ? null : update.getMedia().getRelayToken().toByteArray(), local -> {
            if (stale(call, gen)) {
                return;
            }
            send(call, MediaUpdate.newBuilder().setMedia(paths.describe(call, local, null)).setGeneration(gen).setAnswer(true));
            connect(call, gen);
        });
    }

    private void connect(Call call, int gen) {
        long firstSetupMs = call.pathSetupMs;
        paths.connect(call, remote -> {
            call.pathSetupMs = firstSetupMs; // the report's setup figure stays the call's first
            resumed(call, gen, remote);
        }, reason -> retry(call, gen, reason), () -> pathLost(call, "no consent"));
    }

    private void resumed(Call call, int gen, InetSocketAddress remote) {
        if (stale(call, gen)) {
            return;
        }
        call.media.switchRemote(remote);
        long lostMs = (System.nanoTime() - call.pathLostNanos) / 1_000_000;
        call.pathLostNanos = 0;
        call.resumedNanos = System.nanoTime();
        Call.cancel(call.giveUpTimer);
        Call.cancel(call.recoveryTimer);
        call.pathHistory.add(call.path);
        log.info("call {}: media path re-established: {} via {}, {} ms after it was lost ({})", call.id, call.path, remote,
                lostMs, call.pathLostReason);
    }

    private CompletableFuture<Void> send(Call call, MediaUpdate.Builder update) {
        return signaller.apply(CallSignal.newBuilder().setCallId(call.id).setFrom(self).setTo(call.peer)
                .setUpdate(update).build());
    }
}
