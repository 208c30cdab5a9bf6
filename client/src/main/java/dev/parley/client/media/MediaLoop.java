package dev.parley.client.media;

import dev.parley.codec.AudioFormats;
import dev.parley.codec.AudioSink;
import dev.parley.codec.AudioSource;
import dev.parley.codec.JitterBuffer;
import dev.parley.codec.JitterBufferStats;
import dev.parley.codec.OpusDecoder;
import dev.parley.codec.OpusEncoder;
import dev.parley.codec.OpusException;
import dev.parley.codec.RtpPacket;
import io.netty.util.concurrent.Future;
import java.util.Arrays;
import java.util.Queue;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The 20 ms media clock's work, confined to the media thread: capture → Opus encode → RTP send,
 * and received RTP → jitter buffer → Opus decode or PLC → sink (one frame per tick, silence while
 * nothing plays). Publishes a counter snapshot after every tick for other threads.
 */
final class MediaLoop {
    private static final Logger log = LoggerFactory.getLogger(MediaLoop.class);
    /** Decode buffer: the longest Opus packet (120 ms), though peers should send 20 ms. */
    private static final int MAX_DECODE_SAMPLES = 120 * AudioFormats.SAMPLES_PER_MS;

    /** Counters published by the media thread. */
    record Counters(long packetsSent, long payloadBytesSent, long bytesSent, long framesPlayed,
                    long framesConcealed, long decodeErrors, JitterBufferStats jitter) {
    }

    /** Sends one encoded RTP packet; returns a handle whose completion means it left the socket. */
    interface PacketSender {
        Future<?> send(byte[] rtp);
    }

    private final MediaConfig config;
    private final AudioSource source;
    private final AudioSink sink;
    private final OpusEncoder encoder;
    private final OpusDecoder decoder;
    private final JitterBuffer jitterBuffer;
    private final Queue<RtpReceiveHandler.Inbound> inbound;
    private final PacketSender sender;
    private final LongSupplier clockMs;
    private final Consumer<Future<?>> onSourceEnded;

    private final short[] capture = new short[AudioFormats.FRAME_SAMPLES];
    private final short[] playout = new short[MAX_DECODE_SAMPLES];
    private final short[] silence = new short[AudioFormats.FRAME_SAMPLES];
    private final short[] frame = new short[AudioFormats.FRAME_SAMPLES];
    private final byte[] opus = new byte[RtpPacket.MAX_PACKET_BYTES - RtpPacket.HEADER_BYTES];

    private int sequence;
    private long timestamp;
    private boolean firstPacket = true;
    private boolean sourceDone;
    private Future<?> lastSend;
    private long packetsSent;
    private long payloadBytesSent;
    private long bytesSent;
    private long framesPlayed;
    private long framesConcealed;
    private long decodeErrors;
    private boolean sinkFailed;
    private int tickFailures;
    private volatile Counters counters;

    MediaLoop(MediaConfig config, AudioSource source, AudioSink sink, Queue<RtpReceiveHandler.Inbound> inbound,
              PacketSender sender, LongSupplier clockMs, Consumer<Future<?>> onSourceEnded) {
        this.config = config;
        this.source = source;
        this.sink = sink;
        this.inbound = inbound;
        this.sender = sender;
        this.clockMs = clockMs;
        this.onSourceEnded = onSourceEnded;
        this.jitterBuffer = new JitterBuffer(config.jitterBufferMs());
        // RFC 3550 §5.1: random initial sequence number and timestamp; derived from the (random) SSRC.
        java.util.SplittableRandom random = new java.util.SplittableRandom(config.ssrc() * 0x9E3779B97F4A7C15L);
        this.sequence = random.nextInt(1 << 16);
        this.timestamp = random.nextLong(1L << 32);
        this.encoder = OpusEncoder.create(config.bitrateKbps());
        try {
            this.decoder = OpusDecoder.create();
        } catch (RuntimeException e) {
            encoder.close();
            throw e;
        }
        publish();
    }

    /** One clock tick; never throws (an exception would cancel the fixed-rate schedule). */
    void tick() {
        try {
            send();
            receiveAndPlay(clockMs.getAsLong());
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

    private void send() {
        if (sourceDone) {
            return;
        }
        boolean got;
        try {
            got = source.read(capture);
        } catch (RuntimeException e) {
            log.warn("audio source failed; treating it as ended", e);
            got = false;
        }
        if (!got) {
            sourceDone = true;
            onSourceEnded.accept(lastSend);
            return;
        }
        int n;
        try {
            n = encoder.encode(capture, opus);
        } catch (OpusException e) {
            log.warn("opus encode failed; frame skipped", e);
            timestamp = (timestamp + AudioFormats.FRAME_SAMPLES) & 0xFFFF_FFFFL;
            return;
        }
        RtpPacket packet = RtpPacket.of(firstPacket, config.payloadType(), sequence, timestamp, config.ssrc(),
                Arrays.copyOf(opus, n));
        byte[] wire = packet.encode();
        lastSend = sender.send(wire);
        firstPacket = false;
        sequence = (sequence + 1) & 0xFFFF;
        timestamp = (timestamp + AudioFormats.FRAME_SAMPLES) & 0xFFFF_FFFFL;
        packetsSent++;
        payloadBytesSent += n;
        bytesSent += wire.length;
    }

    private void receiveAndPlay(long nowMs) {
        RtpReceiveHandler.Inbound in;
        while ((in = inbound.poll()) != null) {
            jitterBuffer.offer(in.packet(), in.arrivalMs());
        }
        JitterBuffer.Frame slot = jitterBuffer.poll(nowMs);
        short[] out = silence;
        switch (slot.kind()) {
            case PACKET -> {
                byte[] payload = slot.payload();
                try {
                    decoder.decode(payload, 0, payload.length, playout);
                    framesPlayed++;
                } catch (OpusException e) {
                    decodeErrors++;
                    conceal();
                }
                out = playout;
            }
            case LOST -> {
                conceal();
                out = playout;
            }
            case NOTHING -> {
            }
        }
        writeToSink(out);
    }

    private void conceal() {
        decoder.conceal(playout);
        framesConcealed++;
    }

    private void writeToSink(short[] pcm) {
        System.arraycopy(pcm, 0, frame, 0, frame.length);
        try {
            sink.write(frame);
        } catch (RuntimeException e) {
            if (!sinkFailed) {
                sinkFailed = true;
                log.warn("audio sink failed; further failures are not logged", e);
            }
        }
    }

    private void publish() {
        counters = new Counters(packetsSent, payloadBytesSent, bytesSent, framesPlayed, framesConcealed,
                decodeErrors, jitterBuffer.stats());
    }

    /** Releases codecs, sink and source; call after the clock stopped. Never throws. */
    void closeResources() {
        encoder.close();
        decoder.close();
        closeQuietly(sink, "sink");
        closeQuietly(source, "source");
    }

    private static void closeQuietly(AutoCloseable c, String what) {
        try {
            c.close();
        } catch (Exception e) {
            log.warn("closing audio {} failed", what, e);
        }
    }
}
