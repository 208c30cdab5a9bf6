package dev.parley.codec.srtp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.parley.codec.rtp.RtpPacket;
import java.util.EnumMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Hostile input: seeded random mutations of genuine SRTP/SRTCP packets and random datagrams.
 * Nothing but {@link SrtpException} may escape, every drop is counted under its reason, and no
 * forgery is ever accepted.
 */
class SrtpFuzzTest {
    private static final int ROUNDS = 20_000;

    @Test
    void mutatedAndRandomPacketsAreOnlyEverDroppedWithACountedReason() throws Exception {
        SrtpKeys keys = SrtpSessionTest.keys(7714);
        SrtpSender sender = SrtpSender.forSending(keys.send());
        SrtpReceiver receiver = SrtpReceiver.forReceiving(keys.send());
        SplittableRandom random = new SplittableRandom(3711);
        byte[][] genuine = new byte[64][];
        byte[][] genuineRtcp = new byte[16][];
        for (int i = 0; i < genuine.length; i++) {
            byte[] payload = new byte[random.nextInt(0, 200)];
            random.nextBytes(payload);
            genuine[i] = sender.protectRtp(RtpPacket.of(i == 0, 111, 65_500 + i & 0xFFFF, 960L * i, 0xCAFEL, payload)
                    .encode());
            receiver.unprotectRtp(genuine[i], 0, genuine[i].length);
        }
        for (int i = 0; i < genuineRtcp.length; i++) {
            genuineRtcp[i] = sender.protectRtcp(SrtpSessionTest.rtcp());
            receiver.unprotectRtcp(genuineRtcp[i], 0, genuineRtcp[i].length);
        }
        SrtpStats before = receiver.stats();
        Map<SrtpDropReason, Long> thrown = new EnumMap<>(SrtpDropReason.class);
        byte[] out = new byte[RtpPacket.MAX_PACKET_BYTES];

        for (int round = 0; round < ROUNDS; round++) {
            boolean rtcp = random.nextBoolean();
            byte[] datagram = switch (random.nextInt(4)) {
                case 0 -> randomBytes(random);
                case 1 -> truncate(random, pick(random, rtcp ? genuineRtcp : genuine));
                default -> mutate(random, pick(random, rtcp ? genuineRtcp : genuine));
            };
            int off = random.nextInt(0, 4);
            byte[] framed = new byte[datagram.length + off + random.nextInt(0, 4)];
            System.arraycopy(datagram, 0, framed, off, datagram.length);
            try {
                if (rtcp) {
                    receiver.unprotectRtcp(framed, off, datagram.length, out, 0);
                } else {
                    receiver.unprotectRtp(framed, off, datagram.length, out, 0);
                }
                fail("accepted a forged or replayed datagram in round " + round);
            } catch (SrtpException e) {
                thrown.merge(e.reason(), 1L, Long::sum);
            }
        }

        SrtpStats after = receiver.stats();
        assertThat(after.rtpPackets()).isEqualTo(before.rtpPackets());
        assertThat(after.rtcpPackets()).isEqualTo(before.rtcpPackets());
        for (SrtpDropReason reason : SrtpDropReason.values()) {
            assertThat(after.dropped(reason) - before.dropped(reason)).as(reason.name())
                    .isEqualTo(thrown.getOrDefault(reason, 0L));
        }
        assertThat(after.droppedTotal() - before.droppedTotal()).isEqualTo((long) ROUNDS);
        // Every path was exercised: a fuzzer that only ever hits "too short" proves little.
        assertThat(thrown).containsKeys(SrtpDropReason.MALFORMED, SrtpDropReason.AUTHENTICATION, SrtpDropReason.REPLAY);
        // The genuine streams still work after the storm.
        byte[] next = sender.protectRtp(RtpPacket.of(false, 111, 65_500 + genuine.length & 0xFFFF, 0, 0xCAFEL,
                new byte[] {42}).encode());
        assertThat(receiver.unprotectRtp(next, 0, next.length)).endsWith(42);
    }

    private static byte[] pick(SplittableRandom random, byte[][] packets) {
        return packets[random.nextInt(packets.length)].clone();
    }

    private static byte[] randomBytes(SplittableRandom random) {
        byte[] bytes = new byte[random.nextInt(0, 1600)];
        random.nextBytes(bytes);
        if (random.nextBoolean() && bytes.length > 0) {
            bytes[0] = (byte) (0x80 | bytes[0] & 0x3F); // version 2, to get past the first check
        }
        return bytes;
    }

    private static byte[] truncate(SplittableRandom random, byte[] packet) {
        byte[] cut = new byte[random.nextInt(0, packet.length)];
        System.arraycopy(packet, 0, cut, 0, cut.length);
        return cut;
    }

    private static byte[] mutate(SplittableRandom random, byte[] packet) {
        for (int m = random.nextInt(1, 4); m > 0; m--) {
            packet[random.nextInt(packet.length)] ^= (byte) (1 << random.nextInt(8)); // always a change
        }
        return packet;
    }
}
