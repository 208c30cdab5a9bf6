package dev.parley.client.call;

import dev.parley.client.media.MediaStats;
import dev.parley.codec.audio.AudioSink;
import dev.parley.codec.audio.AudioSource;
import dev.parley.protocol.ProtocolException;
import dev.parley.protocol.wire.Accept;
import dev.parley.protocol.wire.Busy;
import dev.parley.protocol.wire.Bye;
import dev.parley.protocol.wire.CallSignal;
import dev.parley.protocol.wire.Invite;
import dev.parley.protocol.wire.Reject;
import dev.parley.protocol.wire.Ringing;
import dev.parley.protocol.wire.MediaDescription;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.InstantSource;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The call signalling state machine (design flow 4): INVITE / RINGING / ACCEPT / REJECT / BUSY /
 * BYE over the super nodes, and the media session of the one active call.
 *
 * <p>All state lives on {@code loop}, a single-threaded executor that is not a network event loop
 * (opening sockets and WAV files happens here). Public methods may be called from any thread.
 * A second call while one is in progress is answered BUSY.
 */
public final class CallEngine {
    private static final Logger log = LoggerFactory.getLogger(CallEngine.class);

    private final CallSettings settings;
    private final NatTraversal nat;
    private final CallMediaPath paths;
    private final PathRecovery recovery;
    private final Function<CallSignal, CompletableFuture<Void>> signaller;
    private final IncomingCallPolicy policy;
    private final CallListener listener;
    private final ScheduledExecutorService loop;
    private final InstantSource clock;
    private final RandomGenerator random;
    private Call current; // loop only
    private final SpareMedia media; // loop only

    /**
     * @param settings the local party's settings
     * @param signaller sends a signal through the super node; completes when acknowledged
     * @param policy decides on incoming calls
     * @param listener observes progress
     * @param loop the single thread that owns call state
     * @param clock time source (credential checks)
     * @param random source of call ids and SSRCs
     */
    public CallEngine(CallSettings settings, Function<CallSignal, CompletableFuture<Void>> signaller,
            IncomingCallPolicy policy, CallListener listener, ScheduledExecutorService loop, InstantSource clock,
            RandomGenerator random) {
        this(settings, signaller, policy, listener, loop, clock, random, NatTraversal.NONE);
    }

    /** As above, with NAT traversal: STUN servers, relays and check timings. */
    public CallEngine(CallSettings settings, Function<CallSignal, CompletableFuture<Void>> signaller,
            IncomingCallPolicy policy, CallListener listener, ScheduledExecutorService loop, InstantSource clock,
            RandomGenerator random, NatTraversal nat) {
        this.nat = nat;
        this.paths = new CallMediaPath(settings, nat, loop, clock, random);
        this.recovery = new PathRecovery(paths, signaller, settings.self(), loop, this::hangup);
        this.settings = settings;
        this.signaller = signaller;
        this.policy = policy;
        this.listener = listener;
        this.loop = loop;
        this.clock = clock;
        this.random = random;
        this.media = new SpareMedia(settings, random);
    }

    /**
     * Places a call.
     *
     * @param callee username to call
     * @param source audio to send (closed when the call ends)
     * @param sink where received audio goes (closed when the call ends)
     * @return completes with the report when the call ends (it never completes exceptionally:
     *     failures such as "user is offline" are in {@link CallReport#endReason()})
     */
    public CompletableFuture<CallReport> call(String callee, AudioSource source, AudioSink sink) {
        CompletableFuture<CallReport> result = new CompletableFuture<>();
        loop.execute(() -> {
            if (current != null) {
                dev.parley.client.media.AudioResources.closeQuietly(source, sink);
                result.complete(new CallReport("", callee, true, false, -1, "already in a call with " + current.peer, 0, null));
                return;
            }
            Call call = new Call(newCallId(), callee, true, CallState.CALLING, System.nanoTime());
            call.source = source;
            call.sink = sink;
            current = call;
            call.done.whenComplete((r, e) -> result.complete(r));
            listener.onState(call.id, callee, CallState.CALLING);
            try {
                call.media = media.take();
            } catch (IOException e) {
                end(call, "cannot open media socket: " + e.getMessage());
                return;
            }
            call.offerNanos = System.nanoTime();
            call.ice = paths.newAgent(call, true);
            call.mark("media-open");
            paths.allocateRelay(call, alloc -> {
                call.mark("relay");
                InetSocketAddress relay = alloc == null ? null : CallMediaPath.resolve(alloc.getRelay());
                paths.prepare(call, relay, alloc == null ? null : alloc.getCallerToken().toByteArray(), local -> {
                    call.mark("gathered");
                    send(call, b -> b.setInvite(Invite.newBuilder()
                            .setMedia(paths.describe(call, local, alloc == null ? null : alloc.getCalleeToken().toByteArray()))
                            .setCallerCredential(settings.credential())));
                    call.timer = loop.schedule(() -> hangup(call, "no answer"), settings.ringTimeout().toMillis(), TimeUnit.MILLISECONDS);
                });
            });
        });
        return result;
    }

    /** Answers the ringing incoming call, if any; returns false (on the loop) if there is none. */
    public CompletableFuture<Boolean> answer(AudioSource source, AudioSink sink) {
        return onLoop(() -> {
            Call call = current;
            if (call == null || call.outgoing || call.state != CallState.RINGING) {
                dev.parley.client.media.AudioResources.closeQuietly(source, sink);
                return false;
            }
            accept(call, source, sink);
            return true;
        });
    }

    /** Declines the ringing incoming call, if any. */
    public CompletableFuture<Boolean> reject(String reason) {
        return onLoop(() -> {
            Call call = current;
            if (call == null || call.outgoing || call.state != CallState.RINGING) {
                return false;
            }
            send(call, b -> b.setReject(Reject.newBuilder().setReason(reason)));
            end(call, "declined: " + reason);
            return true;
        });
    }

    /** Ends the current call (BYE), if any. */
    public CompletableFuture<Boolean> hangup() {
        return onLoop(() -> {
            Call call = current;
            if (call == null) {
                return false;
            }
            hangup(call, "hung up");
            return true;
        });
    }

    /** @return completes with the live media statistics of the active call, or null when no media runs */
    public CompletableFuture<MediaStats> stats() {
        return onLoop(() -> current == null || !current.mediaStarted ? null : current.media.stats());
    }

    /** @return completes with true if a call is in progress (calling, ringing or active) */
    public CompletableFuture<Boolean> hasCall() {
        return onLoop(() -> current != null);
    }

    /**
     * The client lost its super node (it is rejoining the overlay): a call whose media that super
     * node relays re-establishes its path at once (docs/nat.md "Path failover"). Any thread.
     */
    public void onSuperNodeLost(dev.parley.protocol.HostPort superNode) {
        loop.execute(() -> recovery.superNodeLost(current, superNode));
    }

    /** The client joined the overlay again through {@code superNode}: a path renegotiation waiting for it goes on. Any thread. */
    public void onSuperNodeRejoined(dev.parley.protocol.HostPort superNode) {
        loop.execute(() -> recovery.rejoined(current));
    }

    /** Feeds a call signal pushed by the super node; may be called from any thread. */
    public void onSignal(CallSignal signal) {
        loop.execute(() -> handle(signal));
    }

    private void handle(CallSignal s) {
        if (s.hasInvite()) {
            onInvite(s);
            return;
        }
        Call call = current;
        if (call == null || !call.id.equals(s.getCallId()) || !call.peer.equals(s.getFrom())) {
            log.debug("ignoring {} for unknown call {} from {}", s.getKindCase(), s.getCallId(), s.getFrom());
            return;
        }
        switch (s.getKindCase()) {
            case RINGING -> {
                if (call.outgoing && call.state == CallState.CALLING) {
                    setState(call, CallState.RINGING);
                }
            }
            case ACCEPT -> onAccept(call, s.getAccept());
            case REJECT -> end(call, "rejected by " + call.peer + (s.getReject().getReason().isEmpty() ? "" : ": " + s.getReject().getReason()));
            case BUSY -> end(call, call.peer + " is busy");
            case BYE -> end(call, "remote hung up" + (s.getBye().getReason().isEmpty() ? "" : ": " + s.getBye().getReason()));
            case UPDATE -> recovery.onUpdate(call, s.getUpdate());
            default -> log.debug("ignoring empty signal for call {}", s.getCallId());
        }
    }

    private void onInvite(CallSignal s) {
        String caller = s.getFrom();
        if (current != null) {
            signaller.apply(signal(s.getCallId(), caller).setBusy(Busy.getDefaultInstance()).build());
            return;
        }
        try {
            settings.verifyPeer(s.getInvite().getCallerCredential(), caller, clock.instant());
            MediaDescriptions.remoteAddress(s.getInvite().getMedia());
        } catch (ProtocolException e) {
            log.warn("rejecting call {} from {}: {}", s.getCallId(), caller, e.getMessage());
            signaller.apply(signal(s.getCallId(), caller).setReject(Reject.newBuilder().setReason(e.getMessage())).build());
            return;
        }
        Call call = new Call(s.getCallId(), caller, false, CallState.RINGING, System.nanoTime());
        call.remoteMedia = s.getInvite().getMedia();
        current = call;
        send(call, b -> b.setRinging(Ringing.getDefaultInstance()));
        listener.onState(call.id, caller, CallState.RINGING);
        switch (policy.onIncoming(call.id, caller)) {
            case IncomingCallPolicy.Answer a -> accept(call, a.source(), a.sink());
            case IncomingCallPolicy.Decline d -> {
                send(call, b -> b.setReject(Reject.newBuilder().setReason(d.reason())));
                end(call, "declined: " + d.reason());
            }
            case IncomingCallPolicy.Ring r -> call.timer = loop.schedule(
                    () -> hangup(call, "not answered"), settings.ringTimeout().toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    private void accept(Call call, AudioSource source, AudioSink sink) {
        call.cancelTimer();
        call.source = source;
        call.sink = sink;
        try {
            call.media = media.take();
            MediaDescriptions.remoteAddress(call.remoteMedia);
        } catch (IOException | ProtocolException e) {
            send(call, b -> b.setBye(Bye.newBuilder().setReason("media failed")));
            end(call, "media failed: " + e.getMessage());
            return;
        }
        call.offerNanos = System.nanoTime();
        call.ice = paths.newAgent(call, false);
        MediaDescription remote = call.remoteMedia;
        InetSocketAddress relay = CallMediaPath.offeredRelay(remote);
        call.mark("media-open");
        paths.prepare(call, relay, relay == null ? null : remote.getRelayToken().toByteArray(), local -> {
            call.mark("gathered");
            send(call, b -> b.setAccept(Accept.newBuilder()
                    .setMedia(paths.describe(call, local, null))
                    .setCalleeCredential(settings.credential())));
            connect(call);
        });
    }

    /** Finds the media path to the peer (connectivity checks), then starts media on it. */
    private void connect(Call call) {
        paths.connect(call, remote -> startMedia(call, remote), reason -> hangup(call, reason), () -> {
            if (current == call && call.mediaStarted) {
                recovery.pathLost(call, "no consent");
            }
        });
    }

    private void onAccept(Call call, Accept accept) {
        if (!call.outgoing || call.state == CallState.ACTIVE || call.remoteMedia != null) {
            return;
        }
        call.cancelTimer();
        call.mark("accept");
        try {
            MediaDescriptions.remoteAddress(accept.getMedia());
            call.remoteMedia = accept.getMedia();
            connect(call); // checks run on the media socket's loop while we verify: results come to this loop after it
            settings.verifyPeer(accept.getCalleeCredential(), call.peer, clock.instant());
        } catch (ProtocolException e) {
            hangup(call, "bad answer: " + e.getMessage());
        }
    }

    private void startMedia(Call call, InetSocketAddress remote) {
        call.media.onAudioProblem(message -> listener.onMediaProblem(call.id, call.peer, message));
        call.mark("selected");
        call.media.start(remote, call.source, call.sink);
        call.mark("media-started");
        call.mediaStarted = true;
        setState(call, CallState.ACTIVE);
        recovery.watch(call);
        call.media.firstPacketReceived().thenRun(() -> {
            long now = System.nanoTime();
            loop.execute(() -> {
                call.firstPacketNanos = now;
                call.mark("first-rtp");
                log.info("call {} setup ({}): {}", call.id, call.outgoing ? "caller" : "callee", call.trace());
            });
        });
        call.media.sourceEnded().thenRun(() -> loop.schedule(() -> {
            if (current == call) {
                hangup(call, "input ended");
            }
        }, settings.hangupGrace().toMillis(), TimeUnit.MILLISECONDS));
    }

    private void hangup(Call call, String reason) {
        if (call.ended()) {
            return;
        }
        send(call, b -> b.setBye(Bye.newBuilder().setReason(reason)));
        end(call, reason);
    }

    private void end(Call call, String reason) {
        if (call.ended()) {
            return;
        }
        call.cancelTimer();
        call.state = CallState.ENDED;
        recovery.stop(call);
        var stats = call.media == null ? null : call.media.stats();
        long gapMs = call.mediaStarted ? call.media.maxPacketGapMs() : -1;
        if (call.ice != null) {
            call.ice.close();
        }
        paths.release(call);
        if (call.media != null) {
            call.media.close();
        }
        if (!call.mediaStarted) {
            dev.parley.client.media.AudioResources.closeQuietly(call.source, call.sink);
        }
        if (current == call) {
            current = null;
        }
        boolean connected = call.firstPacketNanos != 0;
        long setupMs = connected ? (call.firstPacketNanos - call.offerNanos) / 1_000_000 : -1;
        CallReport report = new CallReport(call.id, call.peer, call.outgoing, connected, setupMs, reason,
                (System.nanoTime() - call.startedNanos) / 1_000_000, stats, call.path, call.pathSetupMs, gapMs, call.pathHistory);
        log.info("call {} with {} ended: {}", call.id, call.peer, reason);
        listener.onState(call.id, call.peer, CallState.ENDED);
        listener.onEnded(report);
        call.done.complete(report);
        prepareMedia();
    }

    private void setState(Call call, CallState state) {
        call.state = state;
        listener.onState(call.id, call.peer, state);
    }

    /** Opens the next call's media socket now, off that call's setup path. Any thread. */
    public void prepareMedia() {
        onLoopIfRunning(media::prepare);
    }

    /** Closes the spare media socket; calls must have ended. Any thread. */
    public void close() {
        onLoopIfRunning(media::close);
    }

    private void onLoopIfRunning(Runnable task) {
        try {
            loop.execute(task);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            log.debug("engine loop stopped");
        }
    }

    /** Sends a signal of {@code call}; a failure (e.g. peer went offline) ends the call with its message. */
    private void send(Call call, Function<CallSignal.Builder, CallSignal.Builder> kind) {
        signaller.apply(kind.apply(signal(call.id, call.peer)).build()).whenComplete((ok, e) -> {
            if (e != null) {
                Throwable cause = dev.parley.protocol.Futures.unwrap(e);
                loop.execute(() -> end(call, cause.getMessage()));
            }
        });
    }

    private CallSignal.Builder signal(String callId, String to) {
        return CallSignal.newBuilder().setCallId(callId).setFrom(settings.self()).setTo(to);
    }

    private String newCallId() {
        byte[] id = new byte[12];
        random.nextBytes(id);
        return HexFormat.of().formatHex(id);
    }

    private <T> CompletableFuture<T> onLoop(java.util.function.Supplier<T> task) {
        return CompletableFuture.supplyAsync(task, loop);
    }
}
