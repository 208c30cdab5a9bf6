package dev.parley.client.call;

import dev.parley.client.media.MediaSession;
import dev.parley.codec.audio.AudioSink;
import dev.parley.codec.audio.AudioSource;
import dev.parley.protocol.wire.MediaDescription;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;

/** Mutable state of one call; confined to the call engine's thread. */
final class Call {
    final String id;
    final String peer;
    final boolean outgoing;
    final long startedNanos;
    final CompletableFuture<CallReport> done = new CompletableFuture<>();
    CallState state;
    MediaDescription remoteMedia;
    MediaSession media;
    boolean mediaStarted;
    AudioSource source;
    AudioSink sink;
    /** INVITE sent (caller) or ACCEPT sent (callee); 0 until then. */
    long offerNanos;
    /** First RTP packet from the peer; 0 until then. */
    long firstPacketNanos;
    ScheduledFuture<?> timer;
    /** ICE on the media socket; null until media is opened. */
    IceAgent ice;
    IceAgent.Local local;
    /** Our relay allocation (caller only), or null. */
    dev.parley.protocol.wire.RelayAllocated relay;
    RelayService.TcpRelayLink tcpRelay;
    String path;
    long pathSetupMs = -1;
    /** Path failover ({@link PathRecovery}): the paths media took, in order. */
    final java.util.List<String> pathHistory = new java.util.ArrayList<>();
    /** Generation of the last MediaUpdate offered (caller) or answered (callee). */
    int updateGeneration;
    /** When the media path was found lost (nanoTime), 0 while it works. */
    long pathLostNanos;
    String pathLostReason;
    /** When media last moved to a new path (nanoTime), 0 if never: the watchdog's grace. */
    long resumedNanos;
    /** Caller: the first offer had a relay, so a renegotiation must get one too. */
    boolean hadRelay;
    /** Caller: a failed renegotiation step waits for its retry (nothing in flight). */
    boolean awaitingRetry;
    ScheduledFuture<?> watchdog;
    ScheduledFuture<?> recoveryTimer;
    ScheduledFuture<?> giveUpTimer;

    /** Setup timeline for the log: "step +ms" since the call started (docs/nat.md, setup time). */
    private final StringBuilder trace = new StringBuilder();

    void mark(String step) {
        trace.append(trace.isEmpty() ? "" : ", ").append(step).append(" +").append((System.nanoTime() - startedNanos) / 1_000_000);
    }

    String trace() {
        return trace.toString();
    }

    Call(String id, String peer, boolean outgoing, CallState state, long startedNanos) {
        this.id = id;
        this.peer = peer;
        this.outgoing = outgoing;
        this.state = state;
        this.startedNanos = startedNanos;
    }

    boolean ended() {
        return state == CallState.ENDED;
    }

    void cancelTimer() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }

    static void cancel(ScheduledFuture<?> f) {
        if (f != null) {
            f.cancel(false);
        }
    }
}
