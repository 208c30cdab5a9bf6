package dev.parley.codec.rtp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class RtcpTest {
    private static final RtcpReportBlock BLOCK = new RtcpReportBlock(0xB0B0B0B0L, 25, -3, 0x1_0005L, 1234, 0xDEADBEEFL, 65536);
    private static final RtcpPacket.SenderReport SR = new RtcpPacket.SenderReport(0xFFFF_FFFFL,
            Rtcp.ntpTimestamp(1_700_000_000_123L), 4_000_000_000L, 571, 45_678, List.of(BLOCK,
            new RtcpReportBlock(7, 255, (1 << 23) - 1, 0xFFFF_FFFFL, 0, 0, 0)));

    @Test
    void compoundPacketsRoundTrip() throws MalformedPacketException {
        List<RtcpPacket> packets = List.of(SR, new RtcpPacket.SourceDescription(0xFFFF_FFFFL, "alice@parley"),
                new RtcpPacket.ReceiverReport(9, List.of()), new RtcpPacket.ReceiverReport(10, List.of(BLOCK)),
                new RtcpPacket.Bye(9));
        byte[] wire = Rtcp.encode(packets);
        assertThat(wire.length % 4).isZero();
        assertThat(Rtcp.decode(wire, 0, wire.length)).isEqualTo(packets);
        // Header: V=2, RC=2, PT=200, length in words - 1.
        assertThat(wire[0] & 0xFF).isEqualTo(0x80 | 2);
        assertThat(wire[1] & 0xFF).isEqualTo(200);
        assertThat(((wire[2] & 0xFF) << 8 | (wire[3] & 0xFF)) + 1).isEqualTo((4 + 24 + 2 * 24) / 4);
        assertThat(Rtcp.isRtcp(wire, 0, wire.length)).isTrue();
    }

    @Test
    void demultiplexesByTheSecondByteAsRfc5761Says() {
        byte[] rtp = RtpPacket.of(false, 111, 1, 2, 3, new byte[] {1}).encode();
        byte[] rtpMarked = RtpPacket.of(true, 111, 1, 2, 3, new byte[] {1}).encode(); // M + PT 111 = 239
        assertThat(Rtcp.isRtcp(rtp, 0, rtp.length)).isFalse();
        assertThat(Rtcp.isRtcp(rtpMarked, 0, rtpMarked.length)).isFalse();
        for (int pt = 192; pt <= 223; pt++) {
            assertThat(Rtcp.isRtcp(new byte[] {(byte) 0x80, (byte) pt}, 0, 2)).isTrue();
        }
        assertThat(Rtcp.isRtcp(new byte[] {0x00, (byte) 200}, 0, 2)).as("STUN range").isFalse();
        assertThat(Rtcp.isRtcp(new byte[] {(byte) 0x80}, 0, 1)).isFalse();
    }

    @Test
    void ntpTimestampsAndRoundTripArithmetic() {
        assertThat(Rtcp.ntpTimestamp(0) >>> 32).isEqualTo(2_208_988_800L);
        long t = Rtcp.ntpTimestamp(1_700_000_000_500L);
        assertThat(t & 0xFFFF_FFFFL).isEqualTo(1L << 31); // half a second
        assertThat(Rtcp.middle32(t)).isEqualTo((t >>> 16) & 0xFFFF_FFFFL);
        long sent = Rtcp.middle32(Rtcp.ntpTimestamp(1_700_000_000_000L));
        long arrived = Rtcp.middle32(Rtcp.ntpTimestamp(1_700_000_000_250L));
        RtcpReportBlock b = new RtcpReportBlock(1, 0, 0, 0, 0, sent, Rtcp.toUnits65536(100));
        assertThat(b.roundTripMs(arrived)).isBetween(149.9, 150.1);
        assertThat(new RtcpReportBlock(1, 0, 0, 0, 0, 0, 0).roundTripMs(arrived)).isEqualTo(-1);
    }

    @Test
    void malformedInputIsRejectedWithClearMessages() {
        byte[] wire = Rtcp.encode(List.of(SR));
        assertThatThrownBy(() -> Rtcp.decode(wire, 0, 3)).isInstanceOf(MalformedPacketException.class)
                .hasMessage("rtcpCompound: 3 bytes (expected: 4..1500)");
        assertThatThrownBy(() -> Rtcp.decode(new byte[1504], 0, 1504)).hasMessageStartingWith("rtcpCompound: 1504 bytes");
        byte[] truncated = Arrays.copyOf(wire, wire.length - 4);
        assertThatThrownBy(() -> Rtcp.decode(truncated, 0, truncated.length)).hasMessageStartingWith("rtcpLength: ");
        byte[] badVersion = wire.clone();
        badVersion[0] = (byte) (badVersion[0] & 0x3F);
        assertThatThrownBy(() -> Rtcp.decode(badVersion, 0, badVersion.length)).hasMessage("rtcpVersion: 0 (expected: 2)");
        byte[] tooManyBlocks = wire.clone();
        tooManyBlocks[0] = (byte) (0x80 | 3); // claims 3 blocks, carries 2
        assertThatThrownBy(() -> Rtcp.decode(tooManyBlocks, 0, tooManyBlocks.length)).hasMessageStartingWith("srLength: ");
    }

    @Test
    void unknownPacketTypesAreSkipped() throws MalformedPacketException {
        byte[] sr = Rtcp.encode(List.of(SR));
        byte[] app = {(byte) 0x80, (byte) 204, 0, 2, 0, 0, 0, 1, 'n', 'a', 'm', 'e'};
        byte[] both = Arrays.copyOf(sr, sr.length + app.length);
        System.arraycopy(app, 0, both, sr.length, app.length);
        assertThat(Rtcp.decode(both, 0, both.length)).containsExactly(SR);
    }

    @Test
    void garbageNeverEscapesAsAnotherException() {
        SplittableRandom random = new SplittableRandom(3550);
        byte[] valid = Rtcp.encode(List.of(SR, new RtcpPacket.SourceDescription(1, "x")));
        int decoded = 0;
        for (int i = 0; i < 20_000; i++) {
            byte[] bytes;
            if (i % 2 == 0) {
                bytes = new byte[random.nextInt(0, 1600)];
                random.nextBytes(bytes);
                if (bytes.length > 1) {
                    bytes[0] = (byte) (0x80 | bytes[0] & 0x3F); // mostly version 2
                }
            } else {
                bytes = valid.clone(); // mutate a few bytes of a valid packet
                for (int m = random.nextInt(1, 4); m > 0; m--) {
                    bytes[random.nextInt(bytes.length)] = (byte) random.nextInt(256);
                }
            }
            try {
                List<RtcpPacket> packets = Rtcp.decode(bytes, 0, bytes.length);
                assertThat(packets.size()).isLessThanOrEqualTo(bytes.length / 4);
                decoded++;
            } catch (MalformedPacketException expected) {
                assertThat(expected.getMessage()).isNotBlank();
            }
        }
        assertThat(decoded).as("mutations that keep the structure still decode").isPositive();
    }

    @Test
    void fieldsAreRangeChecked() {
        assertThatThrownBy(() -> new RtcpReportBlock(1, 256, 0, 0, 0, 0, 0)).hasMessage("fractionLost: 256 (expected: 0..255)");
        assertThatThrownBy(() -> new RtcpReportBlock(1, 0, 1 << 23, 0, 0, 0, 0)).hasMessageStartingWith("cumulativeLost: ");
        assertThatThrownBy(() -> new RtcpPacket.SourceDescription(1, "")).hasMessage("cnameBytes: 0 (expected: 1..255)");
        assertThatThrownBy(() -> Rtcp.encode(List.of())).hasMessage("rtcpPackets: 0 (expected: >= 1)");
    }
}
