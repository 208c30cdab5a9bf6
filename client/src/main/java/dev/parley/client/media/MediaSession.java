package dev.parley.client.media;

import dev.parley.codec.AudioFormats;
import dev.parley.codec.audio.AudioSink;
import dev.parley.codec.audio.AudioSource;
import dev.parley.codec.rtp.Rtcp;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import dev.parley.nat.transport.DatagramHandler;
import dev.parley.nat.transport.DatagramTransport;
import dev.parley.nat.transport.TaskScheduler;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One call's media: a UDP socket carrying RTP (RFC 3550) with Opus payloads (RFC 7587), 48 kHz mono,
 * 20 ms frames, and RTCP sender/receiver reports on the same socket (RFC 5761), sent to and
 * received from one remote address (symmetric RTP, RFC 4961). With a non-empty
 * {@link MediaConfig#impairment()} an {@link ImpairmentHandler} in front of the receiver loses,
 * delays, reorders and duplicates what this session receives.
 *
 * <p>Threads: the socket lives on its own single-thread Netty event loop, which only parses and
 * filters datagrams. A dedicated media thread ticks every 20 ms at a fixed rate (drift-free:
 * each tick is scheduled from the start time, not from the previous tick's end) and does all
 * audio and Opus work (see {@code MediaLoop}): read a source frame, encode, send one RTP packet
 * (PT from the config, sequence +1, timestamp +960, marker on the first packet), digest RTCP and
 * adapt the encoder, drain received packets into the adaptive jitter buffer, decode, FEC-recover or
 * conceal one frame, write exactly one frame to the sink (silence until playout starts), and send
 * an RTCP report when due. Future callbacks run on the common fork-join pool,
 * never on these two threads.
 *
 * <p>Robustness: datagrams that are not valid RTP from the expected address, payload type and
 * SSRC are counted in {@link MediaStats#packetsDiscarded()} and dropped. A remote that starts late
 * or never sends is fine: the sink gets silence.
 */
public final class MediaSession implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(MediaSession.class);
    private static final long CLOSE_WAIT_MS = 2000;

    private final MediaConfig config;
    private final EventLoopGroup group;
    private final Channel channel;
    private final RtpReceiveHandler receiver;
    private final InstantSource instantSource;
    private final LongSupplier clockMs;
    private final CompletableFuture<Void> sourceEnded = new CompletableFuture<>();
    private final CompletableFuture<Instant> firstPacketReceived = new CompletableFuture<>();
    private final AtomicBoolean firstPacketSeen = new AtomicBoolean();
    private final AtomicLong sendFailures = new AtomicLong();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final ChannelFutureListener sendListener = f -> {
        if (!f.isSuccess()) {
            sendFailures.incrementAndGet();
        }
    };

    private volatile MediaLoop loop;
    private volatile ScheduledExecutorService clock;
    private volatile Thread mediaThread;
    private volatile long startMs = -1;
    private volatile long stopMs = -1;
    private volatile InetSocketAddress remote;
    private volatile Consumer<String> audioProblemListener = m -> { };
    private final IceGate gate;
    private volatile InetSocketAddress tcpRelayAddress;
    private volatile Consumer<byte[]> tcpRelaySender;

    private MediaSession(MediaConfig config, EventLoopGroup group, Channel channel, RtpReceiveHandler receiver,
                         InstantSource instantSource, LongSupplier clockMs, IceGate gate) {
        this.gate = gate;
        this.config = config;
        this.group = group;
        this.channel = channel;
        this.receiver = receiver;
        this.instantSource = instantSource;
        this.clockMs = clockMs;
    }

    /**
     * Binds the session's UDP socket.
     *
     * @param config      codec and RTP settings
     * @param bindAddress local address; port 0 picks an ephemeral port
     * @return an open session, not yet sending
     * @throws IOException if the socket cannot be bound (e.g. port in use), with the address in the message
     */
    public static MediaSession open(MediaConfig config, InetSocketAddress bindAddress) throws IOException {
        return open(config, bindAddress, InstantSource.system());
    }

    /**
     * As {@link #open(MediaConfig, InetSocketAddress)}, with the wall clock used to timestamp
     * {@link #firstPacketReceived()} injected.
     */
    public static MediaSession open(MediaConfig config, InetSocketAddress bindAddress, InstantSource instantSource)
            throws IOException {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(bindAddress, "bindAddress");
        LongSupplier clockMs = () -> System.nanoTime() / 1_000_000; // monotonic media clock
        EventLoopGroup group = new NioEventLoopGroup(1, new DefaultThreadFactory("parley-rtp", true));
        MediaSession[] self = new MediaSession[1];
        IceGate gate = new IceGate();
        RtpReceiveHandler receiver = new RtpReceiveHandler(config.payloadType(), clockMs,
                () -> self[0].onFirstPacket());
        ChannelFuture bind = new Bootstrap().group(group).channel(NioDatagramChannel.class)
                .option(ChannelOption.SO_RCVBUF, 256 * 1024)
                .handler(new io.netty.channel.ChannelInitializer<NioDatagramChannel>() {
                    @Override
                    protected void initChannel(NioDatagramChannel ch) {
                        ch.pipeline().addLast("ice", gate);
                        if (!config.impairment().isNone()) {
                            ch.pipeline().addLast("impairment", new ImpairmentHandler(config.impairment()));
                        }
                        ch.pipeline().addLast("rtp", receiver);
                    }
                })
                .bind(bindAddress).awaitUninterruptibly();
        if (!bind.isSuccess()) {
            group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            throw new IOException("mediaBind: " + bindAddress + " failed: " + bind.cause().getMessage(), bind.cause());
        }
        self[0] = new MediaSession(config, group, bind.channel(), receiver, instantSource, clockMs, gate);
        return self[0];
    }

    /** @return the bound local address (with the actual port) */
    public InetSocketAddress localAddress() {
        return (InetSocketAddress) channel.localAddress();
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
     * sends into {@code sink}. The session owns source and sink from now on and closes them in {@link #close()}.
     *
     * @throws IllegalStateException         if already started or closed
     * @throws dev.parley.codec.OpusException if the Opus codec cannot be created
     */
    public synchronized void start(InetSocketAddress remote, AudioSource source, AudioSink sink) {
        Objects.requireNonNull(remote, "remote");
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
        receiver.expect(target); // before the gate opens: held and new packets must find it set
        gate.openMedia();
        // RTCP's NTP timestamps: wall clock at start, advanced by the monotonic media clock.
        long wallAtStart = instantSource.millis();
        long monoAtStart = clockMs.getAsLong();
        MediaLoop mediaLoop = new MediaLoop(config, source, sink, receiver.queue(), receiver.rtcpQueue(), this::send,
                clockMs, mono -> Rtcp.ntpTimestamp(wallAtStart + (mono - monoAtStart)), this::onSourceEnded,
                m -> audioProblemListener.accept(m));
        ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "parley-media-" + Long.toHexString(config.ssrc()));
            t.setDaemon(true);
            t.setPriority(Thread.MAX_PRIORITY);
            mediaThread = t;
            return t;
        });
        this.loop = mediaLoop;
        this.clock = executor;
        this.startMs = clockMs.getAsLong();
        executor.scheduleAtFixedRate(mediaLoop::tick, 0, AudioFormats.FRAME_MS, TimeUnit.MILLISECONDS);
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

    /** @return the remote address media currently goes to, or null before {@link #start} */
    public InetSocketAddress remote() {
        return remote;
    }

    /** @return ms since the last valid RTP packet from the remote arrived, -1 before the first */
    public long msSinceLastPacket() {
        long last = receiver.lastRtpMs();
        return last < 0 ? -1 : clockMs.getAsLong() - last;
    }

    /** @return the longest interval without valid RTP from the remote between two packets, ms (0 before the second) */
    public long maxPacketGapMs() {
        return receiver.maxGapMs();
    }

    /** @return completes (on the common pool) once the source ended and its last packet left the socket */
    public CompletableFuture<Void> sourceEnded() {
        return sourceEnded;
    }

    /** @return completes (on the common pool) with the arrival time of the first valid RTP packet from the remote */
    public CompletableFuture<Instant> firstPacketReceived() {
        return firstPacketReceived;
    }

    /** @return a consistent snapshot of the counters; callable from any thread, also after close */
    public MediaStats stats() {
        MediaLoop l = loop;
        if (l == null) {
            return new MediaStats(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (receiver.discarded() + gate.dropped()), 0, 0, 0, 0, 0, 0, -1, -1,
                    config.bitrateKbps(), 0, 0, 0, 1);
        }
        MediaLoop.Counters c = l.counters();
        long end = stopMs >= 0 ? stopMs : clockMs.getAsLong();
        double sendSeconds = c.packetsSent() * AudioFormats.FRAME_MS / 1000.0;
        double bitrateKbps = sendSeconds == 0 ? 0 : c.payloadBytesSent() * 8 / sendSeconds / 1000;
        var jb = c.jitter();
        return new MediaStats(c.packetsSent(), jb.received(), jb.lost(), jb.late(), jb.duplicates(), jb.jitterMs(),
                bitrateKbps, jb.played(), jb.concealed(), c.bytesSent(), Math.max(0, end - startMs),
                (receiver.discarded() + gate.dropped()) + jb.discarded() + c.decodeErrors(), jb.fecFrames(), jb.expanded(),
                jb.accelerated(), jb.dtxFrames(), jb.targetDelayMs(), jb.meanDelayMs(), c.rttMs(), c.remoteLossPct(),
                c.decision().bitrateKbps(), c.decision().packetLossPercent(), c.rtcpSent(), c.rtcpReceived(),
                MediaLoop.burstRatio(jb));
    }

    /**
     * Stops the clock (waiting for a running tick), closes codecs, sink and source, then the socket,
     * and cancels futures still pending. Idempotent. May block briefly for the sink's flush; call it
     * from a thread that may block (not a network event loop of this session).
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        ScheduledExecutorService executor;
        MediaLoop l;
        synchronized (this) {
            executor = clock;
            l = loop;
        }
        if (executor != null) {
            // shutdown() drops the periodic task without interrupting a running tick: an interrupt
            // would close an interruptible sink channel (e.g. a WAV file) mid-write.
            executor.shutdown();
            if (Thread.currentThread() != mediaThread) {
                try {
                    if (!executor.awaitTermination(CLOSE_WAIT_MS, TimeUnit.MILLISECONDS)) {
                        log.warn("media clock did not stop within {} ms", CLOSE_WAIT_MS);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            stopMs = clockMs.getAsLong();
            l.closeResources();
        }
        ChannelFuture closing = channel.close();
        if (!channel.eventLoop().inEventLoop()) {
            closing.awaitUninterruptibly(CLOSE_WAIT_MS);
            group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS).awaitUninterruptibly(CLOSE_WAIT_MS);
        } else {
            group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
        }
        sourceEnded.completeExceptionally(new CancellationException("mediaSession: closed before the source ended"));
        firstPacketReceived.completeExceptionally(new CancellationException("mediaSession: closed before any packet"));
    }

    /**
     * @return the media socket as the NAT code sees it: STUN transactions, relay binds and
     *     connectivity checks leave from the same socket as RTP (their mapped addresses are the
     *     media's). Sends to the TCP relay's address go over the TCP relay link when one is set.
     */
    public DatagramTransport transport() {
        return new DatagramTransport() {
            @Override
            public void send(InetSocketAddress to, byte[] payload) {
                sendTo(to, payload);
            }

            @Override
            public InetSocketAddress localAddress() {
                return MediaSession.this.localAddress();
            }
        };
    }

    /** @return timers on the media socket's event loop (the thread STUN handlers run on) */
    public TaskScheduler scheduler() {
        return TaskScheduler.onEventLoop(channel.eventLoop());
    }

    /**
     * Adds a handler for STUN datagrams (first byte 0..3) received on the media socket; handlers
     * are asked in order on the socket's event loop. RTP/RTCP only reach the media path after {@link #start}.
     */
    public void addStunHandler(DatagramHandler handler) {
        gate.addStunHandler(handler);
    }

    /** Removes a handler added with {@link #addStunHandler} (e.g. the checks of a replaced path). */
    public void removeStunHandler(DatagramHandler handler) {
        gate.removeStunHandler(handler);
    }

    /**
     * Routes everything sent to {@code relayAddress} through {@code sender} (a TCP relay link, used
     * when UDP is blocked) instead of the UDP socket. Packets received on that link come back
     * through {@link #receiveFromTcpRelay}.
     */
    public void useTcpRelay(InetSocketAddress relayAddress, Consumer<byte[]> sender) {
        this.tcpRelayAddress = Objects.requireNonNull(relayAddress, "relayAddress");
        this.tcpRelaySender = Objects.requireNonNull(sender, "sender");
    }

    /** Feeds a packet received on the TCP relay link into the socket's pipeline, as if it came from the relay by UDP. */
    public void receiveFromTcpRelay(byte[] packet) {
        InetSocketAddress relay = tcpRelayAddress;
        if (relay == null || closed.get()) {
            return;
        }
        channel.eventLoop().execute(() -> channel.pipeline().fireChannelRead(
                new DatagramPacket(Unpooled.wrappedBuffer(packet), localAddress(), relay)));
    }

    private io.netty.util.concurrent.Future<?> send(byte[] rtp) {
        return sendTo(remote, rtp);
    }

    /** Sends over the TCP relay link when {@code to} is its relay, else by UDP. */
    private io.netty.util.concurrent.Future<?> sendTo(InetSocketAddress to, byte[] payload) {
        Consumer<byte[]> tcp = tcpRelaySender;
        if (tcp != null && to.equals(tcpRelayAddress)) {
            tcp.accept(payload);
            return channel.newSucceededFuture();
        }
        return channel.writeAndFlush(new DatagramPacket(Unpooled.wrappedBuffer(payload), to)).addListener(sendListener);
    }

    private void onFirstPacket() {
        if (firstPacketSeen.compareAndSet(false, true)) {
            Instant at = instantSource.instant();
            firstPacketReceived.completeAsync(() -> at);
        }
    }

    private void onSourceEnded(io.netty.util.concurrent.Future<?> lastSend) {
        if (lastSend == null) {
            sourceEnded.completeAsync(() -> null);
        } else {
            lastSend.addListener(f -> sourceEnded.completeAsync(() -> null));
        }
    }

    @Override
    public String toString() {
        return "MediaSession[ssrc=" + Long.toHexString(config.ssrc()) + ", local=" + channel.localAddress()
                + ", remote=" + remote + (closed.get() ? ", closed" : "") + "]";
    }
}
