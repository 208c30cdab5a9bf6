package dev.parley.codec.playout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.parley.codec.playout.PlayoutFrame.Kind;
import dev.parley.codec.rtp.RtpPacket;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

class JitterBufferTest {
    private static final long SSRC = 0x1234_5678L;
    private static final int TICK_PHASE_MS = 5; // the playout clock is not aligned with arrivals

    /** One packet of the trace: the sender's k-th frame, arriving at arrivalMs. */
    private record Arrival(int k, long arrivalMs, long ssrc, int seqBase) {
    }

    /** Feeds arrivals and polls every 20 ms from TICK_PHASE_MS, returning the sender index k of each slot. */
    private static final class Trace {
        final JitterBuffer buffer;
        final List<Arrival> arrivals = new ArrayList<>();
        final List<PlayoutFrame> frames = new ArrayList<>();
        int seqBase;
        long tsBase = 4_000_000_000L;

        Trace(JitterBuffer buffer, int seqBase) {
            this.buffer = buffer;
            this.seqBase = seqBase;
        }

        Trace send(int k, long arrivalMs) {
            arrivals.add(new Arrival(k, arrivalMs, SSRC, seqBase));
            return this;
        }

        /** Frame k arrives at k·20 + transit. */
        Trace sendRange(int from, int to, long transitMs) {
            for (int k = from; k < to; k++) {
                send(k, k * 20L + transitMs);
            }
            return this;
        }

        RtpPacket packet(Arrival a) {
            return RtpPacket.of(a.k == 0, 111, (a.seqBase + a.k) & 0xFFFF, (tsBase + 960L * a.k) & 0xFFFF_FFFFL,
                    a.ssrc, new byte[] {(byte) a.k, (byte) (a.k >> 8)});
        }

        Trace run(int ticks) {
            List<Arrival> sorted = new ArrayList<>(arrivals);
            sorted.sort(Comparator.comparingLong(Arrival::arrivalMs));
            int next = 0;
            for (int t = 0; t < ticks; t++) {
                long now = TICK_PHASE_MS + 20L * t;
                while (next < sorted.size() && sorted.get(next).arrivalMs() <= now) {
                    Arrival a = sorted.get(next++);
                    buffer.offer(packet(a), a.arrivalMs());
                }
                frames.add(buffer.poll(now));
            }
            return this;
        }

        /** Sender index of each PACKET slot, -1 for LOST, -2 for NOTHING. */
        List<Integer> slots() {
            return frames.stream().map(f -> switch (f.kind()) {
                case PACKET -> (f.payload()[0] & 0xFF) | (f.payload()[1] & 0xFF) << 8;
                case LOST, FEC, DTX, EXPAND -> -1;
                case NOTHING -> -2;
            }).toList();
        }

        List<Integer> played() {
            return slots().stream().filter(k -> k >= 0).toList();
        }
    }

    private static List<Integer> range(int from, int to) {
        return LongStream.range(from, to).mapToObj(i -> (int) i).toList();
    }

    @Test
    void inOrderStreamStartsAfterTheTargetDelayAndPlaysEverything() {
        Trace trace = new Trace(new JitterBuffer(), 1000).sendRange(0, 50, 3).run(60);
        List<Integer> slots = trace.slots();
        // First packet arrives at 3 ms; playout may start at 63 ms, i.e. the tick at 65 ms (index 3).
        assertThat(slots.subList(0, 3)).containsOnly(-2);
        assertThat(slots.subList(3, 53)).isEqualTo(range(0, 50));
        JitterBufferStats stats = trace.buffer.stats();
        assertThat(stats.received()).isEqualTo(50);
        assertThat(stats.lost()).isZero();
        assertThat(stats.late()).isZero();
        assertThat(stats.duplicates()).isZero();
        assertThat(stats.played()).isEqualTo(50);
        assertThat(stats.jitterMs()).isZero();
        assertThat(trace.frames.get(3).slot()).isEqualTo(trace.frames.get(4).slot() - 1);
    }

    @Test
    void reorderedPacketsWithinTheDelayArePlayedInSequence() {
        Trace trace = new Trace(new JitterBuffer(), 7);
        for (int k = 0; k < 40; k++) {
            long transit = switch (k % 5) {
                case 1 -> 25;  // overtaken by its successor
                case 3 -> 45;  // delayed by two frames
                default -> 2;
            };
            trace.send(k, k * 20L + transit);
        }
        trace.run(50);
        assertThat(trace.played()).isEqualTo(range(0, 40));
        List<Integer> slots = trace.slots();
        assertThat(slots.subList(0, slots.indexOf(39))).doesNotContain(-1);
        assertThat(trace.buffer.stats().late()).isZero();
        assertThat(trace.buffer.stats().lost()).isZero();
    }

    @Test
    void reorderingBeforePlayoutStartsBeginsAtTheLowestSequence() {
        Trace trace = new Trace(new JitterBuffer(), 500).send(1, 0).send(0, 10).sendRange(2, 10, 0).run(15);
        assertThat(trace.played()).isEqualTo(range(0, 10));
    }

    @Test
    void duplicatesAreCountedAndDroppedEvenAfterPlayout() {
        Trace trace = new Trace(new JitterBuffer(), 0).sendRange(0, 30, 1);
        for (int k = 0; k < 30; k++) {
            trace.send(k, k * 20L + (k % 2 == 0 ? 5 : 150)); // odd copies arrive after their slot
        }
        trace.run(45);
        assertThat(trace.played()).isEqualTo(range(0, 30));
        JitterBufferStats stats = trace.buffer.stats();
        assertThat(stats.duplicates()).isEqualTo(30);
        assertThat(stats.late()).isZero();
        assertThat(stats.received()).isEqualTo(30);
    }

    @Test
    void sequenceNumbersWrapAt16Bits() {
        Trace trace = new Trace(new JitterBuffer(), 65_520);
        for (int k = 0; k < 40; k++) {
            trace.send(k, k * 20L + (k == 15 ? 30 : 0)); // 65535 overtaken by 0
        }
        trace.run(50);
        assertThat(trace.played()).isEqualTo(range(0, 40));
        assertThat(trace.buffer.stats().lost()).isZero();
        long first = trace.frames.stream().filter(f -> f.kind() == Kind.PACKET).findFirst().orElseThrow().slot();
        long last = trace.frames.stream().filter(f -> f.kind() == Kind.PACKET).reduce((a, b) -> b).orElseThrow().slot();
        assertThat(last - first).isEqualTo(39); // extended numbers keep counting across the wrap
    }

    @Test
    void lossYieldsLostSlotsInPlace() {
        Trace trace = new Trace(new JitterBuffer(), 100);
        for (int k = 0; k < 40; k++) {
            if (k != 10 && k != 11 && k != 30) {
                trace.send(k, k * 20L);
            }
        }
        trace.run(50);
        List<Integer> slots = trace.slots();
        int start = slots.indexOf(0);
        List<Integer> expected = new ArrayList<>(range(0, 40));
        expected.set(10, -1);
        expected.set(11, -1);
        expected.set(30, -1);
        assertThat(slots.subList(start, start + 40)).isEqualTo(expected);
        JitterBufferStats stats = trace.buffer.stats();
        assertThat(stats.lost()).isEqualTo(3);
        assertThat(stats.concealed()).isGreaterThanOrEqualTo(3);
        assertThat(stats.received()).isEqualTo(37);
    }

    @Test
    void packetsArrivingAfterTheirSlotAreLateAndNeverPlayed() {
        Trace trace = new Trace(new JitterBuffer(), 40_000);
        for (int k = 0; k < 40; k++) {
            trace.send(k, k * 20L + (k == 10 ? 200 : 0));
        }
        trace.run(50);
        List<Integer> slots = trace.slots();
        int start = slots.indexOf(0);
        assertThat(slots.get(start + 10)).isEqualTo(-1);
        assertThat(trace.played()).doesNotContain(10).isSorted().hasSize(39);
        JitterBufferStats stats = trace.buffer.stats();
        assertThat(stats.late()).isEqualTo(1);
        assertThat(stats.lost()).isZero(); // it was received, just too late (RFC 3550 counts it as received)
        assertThat(slots.subList(start, start + 40)).containsOnlyOnce(-1);
    }

    @Test
    void jitterFollowsRfc3550() {
        // Transit alternates 0 / 10 ms: every |D| is 10 ms = 480 timestamp units, so J converges to 480.
        Trace trace = new Trace(new JitterBuffer(), 0);
        for (int k = 0; k < 200; k++) {
            trace.send(k, k * 20L + (k % 2) * 10);
        }
        trace.run(210);
        JitterBufferStats stats = trace.buffer.stats();
        assertThat(stats.jitterTimestamps()).isCloseTo(480 * (1 - Math.pow(15.0 / 16, 199)), within(1e-6));
        assertThat(stats.jitterMs()).isCloseTo(stats.jitterTimestamps() / 48, within(1e-9));
    }

    @Test
    void aPausedSenderStopsConcealmentAndPlaysTheNextTalkspurtAfterTheDelay() {
        Trace trace = new Trace(new JitterBuffer(), 9);
        trace.sendRange(0, 10, 0);
        for (int k = 10; k < 20; k++) {
            trace.send(k, 1000 + k * 20L); // resumes 1 s later with the next sequence numbers
        }
        trace.run(80);
        List<Integer> slots = trace.slots();
        int start = slots.indexOf(0);
        assertThat(slots.subList(start, start + 10)).isEqualTo(range(0, 10));
        assertThat(slots.subList(start + 10, start + 10 + JitterBuffer.MAX_CONCEAL_FRAMES)).containsOnly(-1);
        assertThat(slots.get(start + 10 + JitterBuffer.MAX_CONCEAL_FRAMES)).isEqualTo(-2);
        int resume = slots.indexOf(10);
        // Frame 10 arrives at 1200 ms and plays at the first tick ≥ 1260 ms.
        assertThat(TICK_PHASE_MS + 20L * resume).isBetween(1260L, 1279L);
        assertThat(trace.played()).isEqualTo(range(0, 20));
        assertThat(trace.buffer.stats().late()).isZero();
        assertThat(trace.buffer.stats().lost()).isZero();
    }

    @Test
    void aSequenceJumpNeedsConfirmationBeforeTheStreamRestarts() {
        JitterBuffer buffer = new JitterBuffer(0);
        buffer.offer(RtpPacket.of(false, 111, 100, 0, SSRC, new byte[] {1}), 0);
        assertThat(buffer.poll(0).kind()).isEqualTo(Kind.PACKET);
        buffer.offer(RtpPacket.of(false, 111, 30_000, 960, SSRC, new byte[] {2}), 10); // stray: discarded
        assertThat(buffer.stats().discarded()).isEqualTo(1);
        buffer.offer(RtpPacket.of(false, 111, 101, 960, SSRC, new byte[] {3}), 15);
        assertThat(buffer.poll(20).payload()).containsExactly(3);
        buffer.offer(RtpPacket.of(false, 111, 50_000, 0, SSRC, new byte[] {4}), 30);
        buffer.offer(RtpPacket.of(false, 111, 50_001, 960, SSRC, new byte[] {5}), 31); // confirms the restart
        PlayoutFrame frame = buffer.poll(40);
        assertThat(frame.kind()).isEqualTo(Kind.PACKET);
        assertThat(frame.payload()).containsExactly(5);
        assertThat(buffer.stats().discarded()).isEqualTo(2);
        assertThat(buffer.stats().received()).isEqualTo(3);
    }

    @Test
    void aNewSsrcRestartsTheStream() {
        JitterBuffer buffer = new JitterBuffer(0);
        buffer.offer(RtpPacket.of(false, 111, 10, 0, 1, new byte[] {1}), 0);
        assertThat(buffer.poll(0).payload()).containsExactly(1);
        buffer.offer(RtpPacket.of(false, 111, 60_000, 0, 2, new byte[] {2}), 20);
        assertThat(buffer.poll(20).payload()).containsExactly(2);
        assertThat(buffer.stats().received()).isEqualTo(2);
        assertThat(buffer.stats().lost()).isZero();
    }

    @Test
    void randomImpairedTracesKeepPlayoutOrderedAndCountsConsistent() {
        SplittableRandom random = new SplittableRandom(16);
        for (int run = 0; run < 50; run++) {
            int frames = 300;
            Trace trace = new Trace(new JitterBuffer(), random.nextInt(1 << 16));
            int sent = 0;
            for (int k = 0; k < frames; k++) {
                if (random.nextInt(100) < 5) {
                    continue; // lost in the network
                }
                long transit = 10 + (long) Math.abs(random.nextGaussian() * 25); // some beyond the 60 ms delay
                trace.send(k, k * 20L + transit);
                sent++;
                if (random.nextInt(100) < 3) {
                    trace.send(k, k * 20L + transit + random.nextInt(200)); // network duplicate
                }
            }
            trace.run(frames + 30);
            List<Integer> played = trace.played();
            assertThat(played).isSorted().doesNotHaveDuplicates();
            JitterBufferStats stats = trace.buffer.stats();
            assertThat(stats.received()).isEqualTo(sent);
            assertThat(stats.played()).isEqualTo(played.size());
            assertThat(stats.played() + stats.late() + stats.bufferedFrames() + stats.discarded()).isEqualTo(sent);
            int highest = trace.arrivals.stream().mapToInt(Arrival::k).max().orElseThrow();
            int lowest = trace.arrivals.stream().mapToInt(Arrival::k).min().orElseThrow();
            assertThat(stats.lost()).isEqualTo(highest - lowest + 1 - sent);
        }
    }
}
