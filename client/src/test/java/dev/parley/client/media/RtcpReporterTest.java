package dev.parley.client.media;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.parley.codec.playout.JitterBuffer;
import dev.parley.codec.rtp.MalformedPacketException;
import dev.parley.codec.rtp.Rtcp;
import dev.parley.codec.rtp.RtcpPacket;
import dev.parley.codec.rtp.RtcpReportBlock;
import dev.parley.codec.rtp.RtpPacket;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class RtcpReporterTest {
    private static final long ALICE = 0xA11CEL;
    private static final long BOB = 0xB0BL;
    /** Alice's and bob's wall clocks differ by an hour: RTT must not depend on it. */
    private static final long ALICE_WALL = 1_700_000_000_000L;
    private static final long BOB_WALL = ALICE_WALL + 3_600_000L;

    @Test
    void roundTripTimeAndFractionLostFollowRfc3550() throws MalformedPacketException {
        RtcpReporter alice = new RtcpReporter(ALICE, "alice", 2500, new SplittableRandom(1));
        RtcpReporter bob = new RtcpReporter(BOB, "bob", 2500, new SplittableRandom(2));
        JitterBuffer bobReceives = new JitterBuffer(60);
        for (int k = 0; k < 100; k++) {
            if (k % 10 != 3) { // 10 % loss
                bobReceives.offer(RtpPacket.of(false, 111, 500 + k, 960L * k, ALICE, new byte[] {1}), 20L * k);
            }
        }
        // Alice sends an SR at her t = 1000 ms; it reaches bob 40 ms later (bob's clock: 5000 + 40).
        byte[] sr = alice.build(1000, Rtcp.ntpTimestamp(ALICE_WALL + 1000), 96_000, 100, 8000, new JitterBuffer(60));
        List<RtcpPacket> atBob = Rtcp.decode(sr, 0, sr.length);
        assertThat(atBob.get(0)).isInstanceOf(RtcpPacket.SenderReport.class);
        assertThat(atBob.get(1)).isEqualTo(new RtcpPacket.SourceDescription(ALICE, "alice"));
        assertThat(bob.onReceive(atBob, 5040, Rtcp.ntpTimestamp(BOB_WALL + 5040))).isNull(); // no block about bob
        // Bob reports 70 ms later; it reaches alice after another 40 ms (alice's t = 1150).
        byte[] rr = bob.build(5110, Rtcp.ntpTimestamp(BOB_WALL + 5110), 0, 0, 0, bobReceives);
        List<RtcpPacket> atAlice = Rtcp.decode(rr, 0, rr.length);
        RtcpPacket.ReceiverReport report = (RtcpPacket.ReceiverReport) atAlice.get(0);
        RtcpReportBlock block = report.blocks().get(0);
        assertThat(block.ssrc()).isEqualTo(ALICE);
        assertThat(block.cumulativeLost()).isEqualTo(10);
        assertThat(block.fractionLost()).isEqualTo(10 * 256 / 99); // 10 of the 99 expected (first to highest)
        assertThat(block.extendedHighestSeq()).isEqualTo(500 + 99);
        RtcpReporter.RemoteView view = alice.onReceive(atAlice, 1150, Rtcp.ntpTimestamp(ALICE_WALL + 1150));
        assertThat(view.rttMs()).isCloseTo(80.0, within(0.1)); // 150 − 70 ms held by bob
        assertThat(view.fractionLost()).isCloseTo(0.1, within(0.01));
        assertThat(alice.rttMs()).isEqualTo(view.rttMs());
        // The next report only covers the new interval: nothing lost since.
        byte[] rr2 = bob.build(7000, Rtcp.ntpTimestamp(BOB_WALL + 7000), 0, 0, 0, bobReceives);
        RtcpPacket.ReceiverReport second = (RtcpPacket.ReceiverReport) Rtcp.decode(rr2, 0, rr2.length).get(0);
        assertThat(second.blocks().get(0).fractionLost()).isZero();
        assertThat(second.blocks().get(0).cumulativeLost()).isEqualTo(10);
    }

    @Test
    void reportsAreScheduledEveryFewSecondsWithRandomization() {
        RtcpReporter r = new RtcpReporter(ALICE, "alice", 2500, new SplittableRandom(3));
        assertThat(r.due(0)).isFalse();
        long t = 0;
        while (!r.due(t)) {
            t += 20;
        }
        assertThat(t).as("first report after ~1 s").isBetween(500L, 1520L);
        long last = t;
        for (int i = 0; i < 20; i++) {
            r.build(t, 0, 0, 1, 1, new JitterBuffer(60));
            while (!r.due(t)) {
                t += 20;
            }
            assertThat(t - last).isBetween(1250L, 3770L); // 2.5 s × U[0.5, 1.5]
            last = t;
        }
        assertThat(r.reportsSent()).isEqualTo(20);
    }
}
