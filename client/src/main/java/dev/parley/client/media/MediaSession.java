package dev.parley.client.media;

import dev.parley.codec.AudioFormats;
import dev.parley.codec.audio.AudioSink;
import dev.parley.codec.audio.AudioSource;
import dev.parley.codec.opus.OpusException;
import dev.parley.codec.rtp.Rtcp;
import dev.parley.codec.srtp.SrtpKeys;
import dev.parley.codec.srtp.SrtpSession;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * One call's media: RTP (RFC 3550) with Opus payloads (RFC 7587), 48 kHz mono, 20 ms frames, and
 * RTCP sender/receiver reports on the same socket (RFC 5761), sent to and received from one remote
 * address (symmetric RTP, RFC 4961), on a {@link MediaSocket} (which demultiplexes STUN from media,
 * RFC 7983). With a non-empty {@link MediaConfig#impairment()} an {@link ImpairedReceiver} in front
 * of the receiver loses, delays, reorders and duplicates what this session receives.
 *
 * <p>Threads: the socket's thread only parses and filters datagrams ({@link RtpReceiver}). The
 * {@link MediaClock} ticks every 20 ms at a fixed rate and does all audio and Opus work (see
 * {@code MediaLoop}): read a source frame, encode, send one RTP packet (PT from the config, sequence
 * +1, timestamp +960, marker on the first packet), digest RTCP and adapt the encoder, drain received
 * packets into the adaptive jitter buffer, decode, FEC-recover or conceal one frame, write exactly
 * one frame to the sink (silence until playout starts), and send an RTCP report when due. With
 * {@link MediaClock#system()} that is a dedicated thread; on virtual time, the test's one thread.
 * Futures complete on the thread that decided them (the socket's or the clock's): dependents must
 * hop to their own executor.
 *
 * <p>Robustness: datagrams that are not valid RTP from the expected address, payload type and
 * SSRC are counted in {@link MediaStats#packetsDiscarded()} and dropped. A remote that starts late
 * or never sends is fine: the sink gets silence.
 */
public final class MediaSession implements AutoCloseable {

    private final MediaConfig config;
    private final MediaSocket socket;
    private final MediaClock clock;
    private final InstantSource instantSource;
    private final RtpReceiver receiver;
    private final CompletableFuture<Void> sourceEnded = new CompletableFuture<>();
    private final CompletableFuture<Instant> firstPacketReceived = new CompletableFuture<>();
    private final AtomicBoolean firstPacketSeen = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();

    private volatile @Nullable MediaLoop loop;
    private volatile MediaClock.@Nullable Ticker ticker;
    private volatile long startMs = -1;
    private volatile long stopMs = -1;
    private volatile @Nullable InetSocketAddress remote;
    private volatile Consumer<String> audioProblemListener = m -> { };
    private volatile boolean muted;
    private volatile boolean held;

    private MediaSession(MediaConfig config, MediaSocket socket, MediaClock clock, InstantSource instantSource) {
        this.config = Objects.requireNonNull(config, "config");
        this.socket = Objects.requireNonNull(socket, "socket");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.instantSource = Objects.requireNonNull(instantSource, "instantSource");
        this.receiver = new RtpReceiver(config.payloadType(), clock::nowMs, this::onFirstPacket);
    }

    /**
     * Binds the session's UDP socket (on its own event loop) and uses the system clock.
     *
     * @param config      codec and RTP settings
     * @param bindAddress local address; port 0 picks an ephemeral port
     * @return an open session, not yet sending
     * @throws IOException if the socket cannot be bound (e.g. port in use), with the address in the message
     */
    public static MediaSession open(MediaConfig config, InetSocketAddress bindAddress) throws IOException {
        Objects.requireNonNull(config, "config");
        return on(config, MediaSocket.bindUdp(Objects.requireNonNull(bindAddress, "bindAddress")), MediaClock.system(),
                InstantSource.system());
    }

    /**
     * A session on a given socket and clock (scenario tests: the simulated network and virtual time).
     *
     * @param socket        the call's media socket; the session owns it and closes it in {@link #close()}
     * @param clock         drives the 20 ms ticks and stamps arrivals
     * @param instantSource wall clock for RTCP's NTP timestamps and {@link #firstPacketReceived()}
     * @return an open session, not yet sending
     */
    public static MediaSession on(MediaConfig config, MediaSocket socket, MediaClock clock, InstantSource instantSource) {
        return new MediaSession(config, socket, clock, instantSource);
    }

    /** @return the call's media socket (STUN handlers, the TCP relay link) */
    public MediaSocket socket() {
        return socket;
    }

    /** @return the bound local address (with the actual port) */
    public InetSocketAddress localAddress() {
        return socket.localAddress();
    }

    /**
     * Sets who hears about audio device problems (a capture or playback device that failed or was
     * unplugged: the call goes on with silence). Called on the media thread, once per distinct message.
     */
    public void onAudioProblem(Consumer<String> listener) {
        this.audioProblemListener = Objects.requireNonNull(listener, "listener");
    }

    /** @return the session's settings */
    public MediaConfig config() {
        return config;
    }

    /** @return our RTP SSRC, from the config */
    public long ssrc() {
        return config.ssrc();
    }

    /**
     * Starts the 20 ms media clock: sends {@code source} to {@code remote} and plays what {@code remote}
     * sends into {@code sink}. Every RTP and RTCP packet sent is protected with {@code keys.send()} and
     * every one received is unprotected with {@code keys.receive()} (SRTP/SRTCP, AEAD_AES_128_GCM, RFC
     * 7714); failures are dropped and counted ({@link MediaStats#srtpDropped()}). The session owns
     * source and sink from now on and closes them in {@link #close()}.
     *
     * @param keys the call's SRTP master keys (from its key agreement); kept across {@link #switchRemote}
     * @throws IllegalStateException         if already started or closed
     * @throws OpusException if the Opus codec cannot be created
     */
    public synchronized void start(InetSocketAddress remote, SrtpKeys keys, AudioSource source, AudioSink sink) {
        Objects.requireNonNull(remote, "remote");
        Objects.requireNonNull(keys, "keys");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(sink, "sink");
        if (closed.get()) {
            throw new IllegalStateException("mediaSession: closed");
        }
        if (loop != null) {
            throw new IllegalStateException("mediaSession: already started");
        }
        InetSocketAddress target = remote.isUnresolved() ? new InetSocketAddress(remote.getHostString(), remote.getPort())
                : remote;
        this.remote = target;
        SrtpSession srtp = SrtpSession.of(keys);
        receiver.expect(target, srtp.receiver()); // before media opens: held and new packets must find it set
        socket.openMedia(config.impairment().isNone() ? receiver
                : new ImpairedReceiver(config.impairment(), socket.scheduler(), receiver));
        // RTCP's NTP timestamps: wall clock at start, advanced by the monotonic media clock.
        long wallAtStart = instantSource.millis();
        long monoAtStart = clock.nowMs();
        MediaLoop mediaLoop = new MediaLoop(config, source, sink, receiver.queue(), receiver.rtcpQueue(),
                datagram -> socket.send(this.remote, Rtcp.isRtcp(datagram, 0, datagram.length)
                        ? srtp.protectRtcp(datagram) : srtp.protectRtp(datagram)), clock::nowMs,
                mono -> Rtcp.ntpTimestamp(wallAtStart + (mono - monoAtStart)), () -> sourceEnded.complete(null),
                m -> audioProblemListener.accept(m));
        mediaLoop.mute(muted);
        mediaLoop.hold(held);
        this.loop = mediaLoop;
        this.startMs = clock.nowMs();
        this.ticker = clock.start("parley-media-" + Long.toHexString(config.ssrc()), AudioFormats.FRAME_MS, mediaLoop::tick);
    }

    /**
     * Moves the media to another remote address (a new candidate pair after the old path was lost,
     * docs/nat.md "Path failover"): RTP and RTCP go there from now on and only packets from there
     * are accepted. The remote keeps its SSRC and sequence numbers, so the gap counts as loss.
     *
     * @throws IllegalStateException if media has not started
     */
    public synchronized void switchRemote(InetSocketAddress newRemote) {
        Objects.requireNonNull(newRemote, "newRemote");
        if (loop == null) {
            throw new IllegalStateException("mediaSession: not started");
        }
        receiver.expect(newRemote);
        this.remote = newRemote;
    }

    /**
     * Mute: sends silence instead of the source from the next 20 ms tick on (before {@link #start}: from the start).
     * Any thread.
     */
    public synchronized void mute(boolean on) {
        muted = on;
        if (loop != null) {
            loop.mute(on);
        }
    }

    /**
     * Hold: sends no RTP (RTCP goes on) and leaves the source where it is, from the next tick on. Any thread.
     */
    public synchronized void hold(boolean on) {
        held = on;
        if (loop != null) {
            loop.hold(on);
        }
    }

    /** @return the remote address media currently goes to (none before {@link #start}) */
    public @Nullable InetSocketAddress remote() {
        return remote;
    }

    /** @return ms since the last valid RTP packet from the remote arrived, -1 before the first */
    public long msSinceLastPacket() {
        long last = receiver.lastRtpMs();
        return last < 0 ? -1 : clock.nowMs() - last;
    }

    /** @return the longest interval without valid RTP from the remote between two packets, ms (0 before the second) */
    public long maxPacketGapMs() {
        return receiver.maxGapMs();
    }

    /** @return completes (on the media clock's thread) once the source ended and its last packet was sent */
    public CompletableFuture<Void> sourceEnded() {
        return sourceEnded;
    }

    /** @return completes (on the socket's thread) with the arrival time of the first valid RTP packet from the remote */
    public CompletableFuture<Instant> firstPacketReceived() {
        return firstPacketReceived;
    }

    /** @return a consistent snapshot of the counters; callable from any thread, also after close */
    public MediaStats stats() {
        MediaLoop l = loop;
        if (l == null) {
            return new MediaStats(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (receiver.discarded() + socket.dropped()), 0, 0, 0, 0, 0, 0, -1, -1,
                    config.bitrateKbps(), 0, 0, 0, 1, receiver.srtpStats());
        }
        MediaLoop.Counters c = l.counters();
        long end = stopMs >= 0 ? stopMs : clock.nowMs();
        double sendSeconds = c.packetsSent() * AudioFormats.FRAME_MS / 1000.0;
        double bitrateKbps = sendSeconds == 0 ? 0 : c.payloadBytesSent() * 8 / sendSeconds / 1000;
        var jb = c.jitter();
        return new MediaStats(c.packetsSent(), jb.received(), jb.lost(), jb.late(), jb.duplicates(), jb.jitterMs(),
                bitrateKbps, jb.played(), jb.concealed(), c.bytesSent(), Math.max(0, end - startMs),
                (receiver.discarded() + socket.dropped()) + jb.discarded() + c.decodeErrors(), jb.fecFrames(), jb.expanded(),
                jb.accelerated(), jb.dtxFrames(), jb.targetDelayMs(), jb.meanDelayMs(), c.rttMs(), c.remoteLossPct(),
                c.decision().bitrateKbps(), c.decision().packetLossPercent(), c.rtcpSent(), c.rtcpReceived(),
                MediaLoop.burstRatio(jb), receiver.srtpStats());
    }

    /**
     * Stops the clock (waiting for a running tick), closes codecs, sink and source, then the socket,
     * and cancels futures still pending. Idempotent. May block briefly for the sink's flush; call it
     * from a thread that may block (not this session's socket thread, when it is a real one).
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        MediaClock.Ticker t;
        MediaLoop l;
        synchronized (this) {
            t = ticker;
            l = loop;
        }
        if (t != null) {
            t.stop();
            stopMs = clock.nowMs();
            l.closeResources();
        }
        socket.close();
        sourceEnded.completeExceptionally(new CancellationException("mediaSession: closed before the source ended"));
        firstPacketReceived.completeExceptionally(new CancellationException("mediaSession: closed before any packet"));
    }

    private void onFirstPacket() {
        if (firstPacketSeen.compareAndSet(false, true)) {
            firstPacketReceived.complete(instantSource.instant());
        }
    }

    @Override
    public String toString() {
        return "MediaSession[ssrc=" + Long.toHexString(config.ssrc()) + ", local=" + socket.localAddress()
                + ", remote=" + remote + (closed.get() ? ", closed" : "") + "]";
    }
}
