package dev.parley.codec.playout;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.codec.audio.Clips;
import dev.parley.codec.opus.OpusEncoder;
import dev.parley.codec.opus.OpusPackets;
import dev.parley.codec.playout.PlayoutFrame.Kind;
import dev.parley.codec.rtp.RtpPacket;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The adaptive buffer driven by packet traces (arrival times per sent frame) on a virtual 20 ms clock. */
class AdaptiveJitterBufferTest {
    private static final long SSRC = 0xCAFEL;

    /** Packet k (sequence seq0+k, timestamp ts0+960k) arrives at arrivals[k] ms (negative: lost). */
    private record Sent(int k, long arrivalMs, RtpPacket packet) {
    }

    /** Runs the trace; returns the frames and records (slot playout time - send time) per played k. */
    private static List<PlayoutFrame> play(JitterBuffer buffer, List<Sent> sent, int ticks, long[] playedAtMs) {
        List<Sent> byArrival = new ArrayList<>(sent.stream().filter(s -> s.arrivalMs() >= 0).toList());
        byArrival.sort(Comparator.comparingLong(Sent::arrivalMs));
        List<PlayoutFrame> frames = new ArrayList<>();
        int next = 0;
        for (int t = 0; t < ticks; t++) {
            long now = 3 + 20L * t;
            while (next < byArrival.size() && byArrival.get(next).arrivalMs() <= now) {
                Sent s = byArrival.get(next++);
                buffer.offer(s.packet(), s.arrivalMs());
            }
            PlayoutFrame f = buffer.poll(now);
            if (f.droppable()) {
                buffer.drop(now); // as the playout engine does when the decoded frame is quiet
                f = buffer.poll(now);
            }
            if (f.kind() == Kind.PACKET && playedAtMs != null) {
                playedAtMs[f.payload()[0] & 0xFF | (f.payload()[1] & 0xFF) << 8] = now;
            }
            frames.add(f);
        }
        return frames;
    }

    private static List<Sent> trace(int frames, int seq0, long ts0, long[] transitMs) {
        List<Sent> out = new ArrayList<>();
        for (int k = 0; k < frames; k++) {
            long arrival = transitMs[k] < 0 ? -1 : 20L * k + transitMs[k];
            out.add(new Sent(k, arrival, RtpPacket.of(k == 0, 111, (seq0 + k) & 0xFFFF, (ts0 + 960L * k) & 0xFFFF_FFFFL,
                    SSRC, new byte[] {(byte) k, (byte) (k >> 8)})));
        }
        return out;
    }

    private static List<Integer> playedOrder(List<PlayoutFrame> frames) {
        return frames.stream().filter(f -> f.kind() == Kind.PACKET)
                .map(f -> f.payload()[0] & 0xFF | (f.payload()[1] & 0xFF) << 8).toList();
    }

    @Test
    void startsAt80MsThenSettlesNearTheJitterOfACleanPath() {
        long[] transit = new long[500];
        Arrays.fill(transit, 5);
        JitterBuffer buffer = JitterBuffer.adaptive();
        long[] playedAt = new long[500];
        List<PlayoutFrame> frames = play(buffer, trace(500, 100, 7_000, transit), 520, playedAt);
        assertThat(playedAt[0] - 5).as("first packet waits the start delay").isBetween(80L, 100L);
        assertThat(buffer.targetDelayMs()).isBetween(DelayEstimator.MIN_TARGET_MS, 30);
        // Every offered drop is taken (a caller that found the frames quiet): the delay shrinks towards
        // the target, one frame at most every 500 ms.
        long delayAtEnd = playedAt[499] - (20L * 499 + 5);
        assertThat(delayAtEnd).isBetween(20L, 45L);
        assertThat(buffer.stats().accelerated()).isBetween(2L, 4L);
        assertThat(playedOrder(frames)).isSorted().doesNotHaveDuplicates();
        assertThat(buffer.stats().concealed()).isZero();
        assertThat(buffer.stats().played() + buffer.stats().accelerated()).isEqualTo(500);
    }

    @Test
    void aJitterEpisodeRaisesTheTargetQuicklyAndItDecaysSlowlyAfterwards() {
        SplittableRandom random = new SplittableRandom(42);
        long[] transit = new long[3000];
        for (int k = 0; k < transit.length; k++) {
            boolean episode = k >= 500 && k < 1000; // 10 s of 0..100 ms jitter
            transit[k] = 5 + (episode ? random.nextInt(101) : random.nextInt(3));
        }
        JitterBuffer buffer = JitterBuffer.adaptive();
        List<Sent> sent = trace(transit.length, 65_000, 4_294_900_000L, transit); // both counters wrap
        List<Integer> targets = new ArrayList<>();
        List<Sent> byArrival = new ArrayList<>(sent);
        byArrival.sort(Comparator.comparingLong(Sent::arrivalMs));
        List<Integer> order = new ArrayList<>();
        int next = 0;
        long lateAtEpisodeStart = -1;
        for (int t = 0; t < 3020; t++) {
            long now = 3 + 20L * t;
            while (next < byArrival.size() && byArrival.get(next).arrivalMs() <= now) {
                buffer.offer(byArrival.get(next).packet(), byArrival.get(next).arrivalMs());
                next++;
            }
            PlayoutFrame f = buffer.poll(now);
            if (f.kind() == Kind.PACKET) {
                order.add(f.payload()[0] & 0xFF | (f.payload()[1] & 0xFF) << 8);
            }
            targets.add(buffer.targetDelayMs());
            if (t == 560) {
                lateAtEpisodeStart = buffer.stats().late();
            }
        }
        assertThat(order).isSorted().doesNotHaveDuplicates();
        int before = targets.get(490);
        int inEpisode = targets.get(700);
        assertThat(before).isLessThanOrEqualTo(30);
        assertThat(inEpisode).as("target after 4 s of 100 ms jitter").isBetween(90, 140);
        assertThat(targets.get(560)).as("fast attack: within 1.2 s").isGreaterThanOrEqualTo(60);
        // Late packets happen only while the target catches up, then stop.
        long lateTotal = buffer.stats().late();
        assertThat(lateTotal - Math.max(0, lateAtEpisodeStart)).isLessThan(15);
        // Slow decay: 2 s after the episode the target is still high, after 30+ s it is back down.
        assertThat(targets.get(1100)).isGreaterThan(60);
        assertThat(targets.get(3000)).isLessThanOrEqualTo(40);
        JitterBufferStats s = buffer.stats();
        assertThat(s.lost()).isZero();
        assertThat(s.played() + s.late() + s.accelerated() + s.bufferedFrames()).isEqualTo(3000);
    }

    @Test
    void dtxGapsAreNotCountedAsLoss() {
        // Sequence numbers continue, timestamps jump by 20 frames (400 ms of DTX) three times.
        List<Sent> sent = new ArrayList<>();
        int seq = 7;
        long ts = 123_456;
        long at = 0;
        for (int spurt = 0; spurt < 4; spurt++) {
            for (int i = 0; i < 25; i++, seq++, ts += 960, at += 20) {
                int k = sent.size();
                sent.add(new Sent(k, at + 4, RtpPacket.of(i == 0, 111, seq, ts, SSRC, new byte[] {(byte) k, 0})));
            }
            ts += 19 * 960;
            at += 19 * 20;
        }
        JitterBuffer buffer = JitterBuffer.adaptive();
        List<PlayoutFrame> frames = play(buffer, sent, 260, null);
        JitterBufferStats s = buffer.stats();
        assertThat(playedOrder(frames)).hasSize((int) (s.played())).isSorted();
        assertThat(s.played() + s.accelerated()).isEqualTo(100);
        assertThat(s.lost()).isZero();
        assertThat(s.concealed()).isZero();
        assertThat(s.dtxFrames()).isPositive();
    }

    @Test
    void aLostFrameIsRecoveredFromTheNextPacketsFecWhenItArrivesInTime() {
        short[] clip = Clips.speechSample();
        List<Sent> sent = new ArrayList<>();
        try (OpusEncoder encoder = OpusEncoder.create(32)) {
            encoder.setInbandFec(true);
            encoder.setPacketLossPercent(20);
            byte[] out = new byte[1500];
            for (int k = 0; k < 200; k++) {
                int n = encoder.encode(Arrays.copyOfRange(clip, 960 * k, 960 * (k + 1)), out);
                long arrival = k % 20 == 10 ? -1 : 20L * k + 2; // every 20th lost
                sent.add(new Sent(k, arrival, RtpPacket.of(k == 0, 111, k, 960L * k, SSRC, Arrays.copyOf(out, n))));
            }
        }
        JitterBuffer buffer = new JitterBuffer(60);
        List<PlayoutFrame> frames = play(buffer, sent, 210, null);
        long fec = frames.stream().filter(f -> f.kind() == Kind.FEC).count();
        JitterBufferStats s = buffer.stats();
        assertThat(s.lost()).isEqualTo(10);
        assertThat(fec).as("lost frames whose successor carried LBRR").isEqualTo(s.fecFrames()).isGreaterThanOrEqualTo(8);
        assertThat(s.fecFrames() + s.concealed()).isEqualTo(10);
        for (PlayoutFrame f : frames) {
            if (f.kind() == Kind.FEC) {
                assertThat(OpusPackets.hasLbrr(f.payload())).isTrue();
                assertThat(f.packet().sequenceNumber()).isEqualTo((int) (f.slot() + 1 - frames.get(3).slot()) & 0xFFFF);
            }
        }
    }

    @Test
    void lbrrFlagMatchesTheEncodersFecSetting() {
        short[] clip = Clips.speechSample();
        try (OpusEncoder off = OpusEncoder.create(32); OpusEncoder on = OpusEncoder.create(32)) {
            on.setInbandFec(true);
            on.setPacketLossPercent(10);
            byte[] out = new byte[1500];
            int withoutFec = 0;
            int withFec = 0;
            for (int k = 0; k < 300; k++) {
                short[] pcm = Arrays.copyOfRange(clip, 960 * k, 960 * (k + 1));
                withoutFec += OpusPackets.hasLbrr(Arrays.copyOf(out, off.encode(pcm, out))) ? 1 : 0;
                withFec += OpusPackets.hasLbrr(Arrays.copyOf(out, on.encode(pcm, out))) ? 1 : 0;
            }
            assertThat(withoutFec).isZero();
            assertThat(withFec).isGreaterThan(250);
        }
        assertThat(OpusPackets.hasLbrr(new byte[] {(byte) 0xF8, (byte) 0xFF})).as("CELT-only").isFalse();
    }
}
