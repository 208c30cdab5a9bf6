package dev.parley.client.media;

import dev.parley.codec.AudioFormats;
import dev.parley.codec.audio.AudioSink;
import dev.parley.codec.audio.AudioSource;
import dev.parley.codec.opus.OpusDecoder;
import dev.parley.codec.opus.OpusEncoder;
import dev.parley.codec.opus.OpusException;
import dev.parley.codec.opus.RateAdapter;
import dev.parley.codec.playout.JitterBuffer;
import dev.parley.codec.playout.JitterBufferStats;
import dev.parley.codec.playout.PlayoutEngine;
import dev.parley.codec.rtp.RtpPacket;
import dev.parley.codec.sim.MediaPathSimulator;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Queue;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.function.LongUnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The 20 ms media clock's work, confined to the media thread: capture → Opus encode → RTP send;
 * RTCP in (RTT, the peer's loss → {@link RateAdapter} → encoder bitrate, FEC, expected loss) and
 * out (SR/RR every few seconds); received RTP → {@link PlayoutEngine} (adaptive jitter buffer,
 * decode, FEC, PLC) → sink, one frame per tick. Publishes a counter snapshot after every tick for
 * other threads. Audio device problems (a source or sink that failed, e.g. unplugged) are reported
 * once each through {@code audioProblem}; the call goes on with silence.
 */
final class MediaLoop {
    private static final Logger log = LoggerFactory.getLogger(MediaLoop.class);
    private static final int DEVICE_CHECK_TICKS = 25;

    /** Counters published by the media thread. */
    record Counters(long packetsSent, long payloadBytesSent, long bytesSent, long decodeErrors,
                    JitterBufferStats jitter, double rttMs, double remoteLossPct, RateAdapter.Decision decision,
                    long rtcpSent, long rtcpReceived) {
    }

    /** Sends one encoded datagram (best effort, never blocks). */
    interface PacketSender {
        void send(byte[] datagram);
    }

    private final MediaConfig config;
    private final AudioSource source;
    private final AudioSink sink;
    private final OpusEncoder encoder;
    private final PlayoutEngine playout;
    private final RateAdapter adapter;
    private final RtcpReporter rtcp;
    private final Queue<RtpReceiver.Inbound> inbound;
    private final Queue<RtpReceiver.InboundRtcp> inboundRtcp;
    private final PacketSender sender;
    private final LongSupplier clockMs;
    private final LongUnaryOperator ntpAt;
    private final Runnable onSourceEnded;
    private final Consumer<String> audioProblem;
    private final Set<String> reportedProblems = new HashSet<>();

    private final short[] capture = new short[AudioFormats.FRAME_SAMPLES];
    private final short[] frame = new short[AudioFormats.FRAME_SAMPLES];
    private final byte[] opus = new byte[RtpPacket.MAX_PACKET_BYTES - RtpPacket.HEADER_BYTES];

    private int sequence;
    private long timestamp;
    private boolean marker = true;
    private boolean sourceDone;
    private long packetsSent;
    private long payloadBytesSent;
    private long bytesSent;
    private long ticks;
    private int tickFailures;
    private volatile Counters counters;
    /** Set by the call's thread: send silence instead of the source (the source is still read, so a file keeps its pace). */
    private volatile boolean muted;
    /** Set by the call's thread: send no RTP and leave the source where it is (RTCP goes on: the path stays alive). */
    private volatile boolean held;

    MediaLoop(MediaConfig config, AudioSource source, AudioSink sink, Queue<RtpReceiver.Inbound> inbound,
              Queue<RtpReceiver.InboundRtcp> inboundRtcp, PacketSender sender, LongSupplier clockMs,
              LongUnaryOperator ntpAt, Runnable onSourceEnded, Consumer<String> audioProblem) {
        this.config = config;
        this.source = source;
        this.sink = sink;
        this.inbound = inbound;
        this.inboundRtcp = inboundRtcp;
        this.sender = sender;
        this.clockMs = clockMs;
        this.ntpAt = ntpAt;
        this.onSourceEnded = onSourceEnded;
        this.audioProblem = audioProblem;
        // RFC 3550 §5.1: random initial sequence number and timestamp; derived from the (random) SSRC.
        SplittableRandom random = new SplittableRandom(config.ssrc() * 0x9E3779B97F4A7C15L);
        this.sequence = random.nextInt(1 << 16);
        this.timestamp = random.nextLong(1L << 32);
        this.rtcp = new RtcpReporter(config.ssrc(), "parley-" + Long.toHexString(config.ssrc()),
                config.rtcpIntervalMs(), random.split());
        this.adapter = new RateAdapter(config.bitrateKbps());
        this.encoder = OpusEncoder.create(config.bitrateKbps());
        try {
            RateAdapter.apply(adapter.current(), encoder);
            encoder.setDtx(config.dtx());
            JitterBuffer buffer = config.adaptiveJitterBuffer() ? JitterBuffer.adaptive()
                    : new JitterBuffer(config.jitterBufferMs());
            this.playout = new PlayoutEngine(buffer, OpusDecoder.create());
        } catch (RuntimeException e) {
            encoder.close();
            throw e;
        }
        publish();
    }

    /** One clock tick; never throws (an exception would cancel the fixed-rate schedule). */
    void tick() {
        try {
            long now = clockMs.getAsLong();
            send();
            receiveRtcp();
            receiveAndPlay(now);
            if (rtcp.due(now)) {
                sender.send(rtcp.build(now, ntpAt.applyAsLong(now), timestamp, packetsSent, payloadBytesSent,
                        playout.buffer()));
            }
            if (++ticks % DEVICE_CHECK_TICKS == 0) {
                checkDevices();
            }
        } catch (RuntimeException e) {
            if (tickFailures++ < 3) { // a persistent fault must not log 50 times a second
                log.warn("media tick failed", e);
            }
        }
        publish();
    }

    Counters counters() {
        return counters;
    }

    /** Any thread; effective from the next tick. */
    void mute(boolean on) {
        muted = on;
    }

    /** Any thread; effective from the next tick. */
    void hold(boolean on) {
        held = on;
    }

    private void send() {
        if (sourceDone || held) {
            return;
        }
        boolean got;
        try {
            got = source.read(capture);
        } catch (RuntimeException e) {
            problem("audio input failed (" + e.getMessage() + "); the call goes on without your audio");
            got = false;
        }
        if (!got) {
            sourceDone = true;
            onSourceEnded.run();
            return;
        }
        if (muted) {
            Arrays.fill(capture, (short) 0);
        }
        int n;
        try {
            n = encoder.encode(capture, opus);
        } catch (OpusException e) {
            log.warn("opus encode failed; frame skipped", e);
            timestamp = (timestamp + AudioFormats.FRAME_SAMPLES) & 0xFFFF_FFFFL;
            return;
        }
        if (config.dtx() && n <= 2) {
            // RFC 7587 §3.1.3: with DTX, packets of 2 bytes or less need not be sent; the timestamp
            // keeps running so the receiver sees the gap's duration, and the next packet starts a talkspurt.
            timestamp = (timestamp + AudioFormats.FRAME_SAMPLES) & 0xFFFF_FFFFL;
            marker = true;
            return;
        }
        RtpPacket packet = RtpPacket.of(marker, config.payloadType(), sequence, timestamp, config.ssrc(),
                Arrays.copyOf(opus, n));
        byte[] wire = packet.encode();
        sender.send(wire);
        marker = false;
        sequence = (sequence + 1) & 0xFFFF;
        timestamp = (timestamp + AudioFormats.FRAME_SAMPLES) & 0xFFFF_FFFFL;
        packetsSent++;
        payloadBytesSent += n;
        bytesSent += wire.length;
    }

    private void receiveRtcp() {
        RtpReceiver.InboundRtcp in;
        while ((in = inboundRtcp.poll()) != null) {
            RtcpReporter.RemoteView view = rtcp.onReceive(in.packets(), in.arrivalMs(), ntpAt.applyAsLong(in.arrivalMs()));
            if (view != null) {
                RateAdapter.Decision before = adapter.current();
                RateAdapter.Decision d = adapter.onReport(view.fractionLost());
                RateAdapter.apply(d, encoder);
                if (!d.equals(before)) {
                    log.debug("peer reports {}% loss, rtt {} ms: now {}", Math.round(view.fractionLost() * 100),
                            view.rttMs(), d);
                }
            }
        }
    }

    private void receiveAndPlay(long nowMs) {
        RtpReceiver.Inbound in;
        while ((in = inbound.poll()) != null) {
            playout.offer(in.packet(), in.arrivalMs());
        }
        playout.next(nowMs, frame);
        try {
            sink.write(frame);
        } catch (RuntimeException e) {
            problem("audio output failed (" + e.getMessage() + "); the call goes on without playback");
        }
    }

    private void checkDevices() {
        String p = source.problem();
        if (p != null) {
            problem(p);
        }
        p = sink.problem();
        if (p != null) {
            problem(p);
        }
    }

    private void problem(String message) {
        if (reportedProblems.size() < 8 && reportedProblems.add(message)) {
            log.warn("{}", message);
            try {
                audioProblem.accept(message);
            } catch (RuntimeException e) {
                log.debug("audio problem listener failed", e);
            }
        }
    }

    private void publish() {
        RtcpReporter.RemoteView remote = rtcp.remote();
        counters = new Counters(packetsSent, payloadBytesSent, bytesSent, playout.decodeErrors(), playout.stats(),
                rtcp.rttMs(), remote == null ? -1 : 100 * remote.fractionLost(), adapter.current(), rtcp.reportsSent(),
                rtcp.reportsReceived());
    }

    /** @return the burst ratio of the concealed frames so far (G.107) */
    static double burstRatio(JitterBufferStats s) {
        long slots = s.played() + s.fecFrames() + s.concealed();
        return MediaPathSimulator.burstRatio(s, slots == 0 ? 0 : (double) s.concealed() / slots);
    }

    /** Releases codecs, sink and source; call after the clock stopped. Never throws. */
    void closeResources() {
        encoder.close();
        playout.close();
        AudioResources.closeQuietly(sink, source);
    }
}
