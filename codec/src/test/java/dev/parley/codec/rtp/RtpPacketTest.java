package dev.parley.codec.rtp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class RtpPacketTest {

    @Test
    void encodesTheRfc3550FixedHeader() {
        RtpPacket packet = RtpPacket.of(true, 111, 0xBEEF, 0xFEDCBA98L, 0x89ABCDEFL, new byte[] {1, 2, 3});
        // V=2 P=0 X=0 CC=0 | M=1 PT=111 | seq | ts | ssrc | payload
        assertThat(HexFormat.of().formatHex(packet.encode())).isEqualTo("80efbeeffedcba9889abcdef010203");
        assertThat(packet.version()).isEqualTo(2);
        assertThat(packet.encodedLength()).isEqualTo(15);
    }

    @Test
    void encodesCsrcsExtensionAndPadding() {
        RtpPacket packet = new RtpPacket(false, 96, 1, 2, 3, new long[] {0xAABBCCDDL, 5},
                new RtpPacket.Extension(0xBEDE, new byte[] {9, 9, 9, 9}), new byte[] {7}, 3);
        byte[] wire = packet.encode();
        assertThat(HexFormat.of().formatHex(wire)).isEqualTo(
                "b260" + "0001" + "00000002" + "00000003" // V=2 P=1 X=1 CC=2, PT 96
                        + "aabbccdd" + "00000005" + "bede0001" + "09090909" + "07" + "000003");
        assertThat(packet.padding()).isTrue();
        assertThat(packet.hasExtension()).isTrue();
        assertThat(packet.csrcCount()).isEqualTo(2);
    }

    @Test
    void decodeInvertsEncodeForRandomPackets() throws MalformedPacketException {
        SplittableRandom random = new SplittableRandom(3550);
        for (int i = 0; i < 2000; i++) {
            RtpPacket packet = randomPacket(random);
            byte[] wire = packet.encode();
            byte[] framed = new byte[wire.length + 10];
            System.arraycopy(wire, 0, framed, 4, wire.length);
            RtpPacket decoded = RtpPacket.decode(framed, 4, wire.length);
            assertThat(decoded).isEqualTo(packet);
            assertThat(decoded.hashCode()).isEqualTo(packet.hashCode());
            assertThat(decoded.encode()).isEqualTo(wire);
        }
    }

    @Test
    void rejectsMalformedPacketsWithTypedMessages() {
        byte[] valid = RtpPacket.of(false, 111, 1, 2, 3, new byte[20]).encode();
        assertMalformed(Arrays.copyOf(valid, 7), "rtpPacket: 7 bytes (expected: >= 12)");
        assertMalformed(new byte[1501], "rtpPacket: 1501 bytes (expected: <= 1500)");
        byte[] v1 = valid.clone();
        v1[0] = (byte) 0x40;
        assertMalformed(v1, "rtpVersion: 1 (expected: 2)");
        byte[] csrcOverrun = Arrays.copyOf(valid, 16);
        csrcOverrun[0] = (byte) 0x82; // CC=2 needs 20 bytes
        assertMalformed(csrcOverrun, "rtpCsrcCount: 2 needs 20 bytes (have: 16)");
        byte[] extHeaderMissing = Arrays.copyOf(valid, 14);
        extHeaderMissing[0] = (byte) 0x90;
        assertMalformed(extHeaderMissing, "rtpExtensionHeader: needs 16 bytes (have: 14)");
        byte[] extOverrun = valid.clone(); // X=1, length 10 words but only 16 bytes follow the ext header
        extOverrun[0] = (byte) 0x90;
        extOverrun[14] = 0;
        extOverrun[15] = 10;
        assertMalformed(extOverrun, "rtpExtensionLength: 40 bytes (expected: <= 16)");
        byte[] padOverrun = valid.clone();
        padOverrun[0] = (byte) 0xA0;
        padOverrun[padOverrun.length - 1] = 21;
        assertMalformed(padOverrun, "rtpPadding: 21 bytes (expected: 1..20)");
        byte[] padZero = valid.clone();
        padZero[0] = (byte) 0xA0;
        assertMalformed(padZero, "rtpPadding: 0 bytes (expected: 1..20)");
    }

    @Test
    void constructorRejectsOutOfRangeFields() {
        assertThatThrownBy(() -> RtpPacket.of(false, 128, 0, 0, 0, new byte[0]))
                .hasMessage("payloadType: 128 (expected: 0..127)");
        assertThatThrownBy(() -> RtpPacket.of(false, 0, 65536, 0, 0, new byte[0]))
                .hasMessage("sequenceNumber: 65536 (expected: 0..65535)");
        assertThatThrownBy(() -> RtpPacket.of(false, 0, 0, 1L << 32, 0, new byte[0]))
                .hasMessage("timestamp: 4294967296 (expected: 0..4294967295)");
        assertThatThrownBy(() -> RtpPacket.of(false, 0, 0, 0, -1, new byte[0]))
                .hasMessage("ssrc: -1 (expected: 0..4294967295)");
        assertThatThrownBy(() -> RtpPacket.of(false, 0, 0, 0, 0, new byte[1489]))
                .hasMessage("rtpPacket: 1501 bytes (expected: <= 1500)");
        assertThatThrownBy(() -> new RtpPacket(false, 0, 0, 0, 0, new long[16], null, new byte[0], 0))
                .hasMessage("csrcCount: 16 (expected: <= 15)");
        assertThatThrownBy(() -> new RtpPacket.Extension(1, new byte[3]))
                .hasMessage("extensionBytes: 3 (expected: multiple of 4)");
    }

    @Test
    void fuzzedInputOnlyEverYieldsPacketsOrMalformedPacketException() {
        SplittableRandom random = new SplittableRandom(20240601);
        int parsed = 0;
        int rejected = 0;
        for (int i = 0; i < 20_000; i++) {
            byte[] input;
            if (i % 2 == 0) {
                input = new byte[random.nextInt(0, 1600)];
                random.nextBytes(input);
                if (random.nextBoolean() && input.length > 0) {
                    input[0] = (byte) (0x80 | input[0] & 0x3F); // version 2: reach the deeper checks
                }
            } else {
                input = randomPacket(random).encode(); // mutate a valid packet
                for (int m = random.nextInt(1, 4); m > 0; m--) {
                    input[random.nextInt(input.length)] ^= (byte) (1 << random.nextInt(8));
                }
                if (random.nextInt(4) == 0) {
                    input = Arrays.copyOf(input, random.nextInt(input.length + 1));
                }
            }
            try {
                RtpPacket packet = RtpPacket.decode(input, 0, input.length);
                parsed++;
                assertThat(packet.encodedLength()).isEqualTo(input.length);
                assertThat(RtpPacket.decode(packet.encode(), 0, input.length)).isEqualTo(packet);
            } catch (MalformedPacketException e) {
                rejected++;
                assertThat(e.getMessage()).matches("rtp[A-Za-z]+: .*");
            } catch (RuntimeException e) {
                fail("input " + HexFormat.of().formatHex(input) + " threw " + e, e);
            }
        }
        assertThat(parsed).isGreaterThan(1000);
        assertThat(rejected).isGreaterThan(1000);
    }

    private static RtpPacket randomPacket(SplittableRandom random) {
        long[] csrcs = new long[random.nextInt(0, 4)];
        for (int i = 0; i < csrcs.length; i++) {
            csrcs[i] = random.nextLong(1L << 32);
        }
        RtpPacket.Extension extension = random.nextBoolean() ? null
                : new RtpPacket.Extension(random.nextInt(1 << 16), bytes(random, 4 * random.nextInt(0, 5)));
        return new RtpPacket(random.nextBoolean(), random.nextInt(128), random.nextInt(1 << 16),
                random.nextLong(1L << 32), random.nextLong(1L << 32), csrcs, extension,
                bytes(random, random.nextInt(0, 400)), random.nextInt(4) == 0 ? random.nextInt(1, 256) : 0);
    }

    private static byte[] bytes(SplittableRandom random, int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }

    private static void assertMalformed(byte[] input, String message) {
        assertThatThrownBy(() -> RtpPacket.decode(input, 0, input.length))
                .isInstanceOf(MalformedPacketException.class).hasMessage(message);
    }
}
