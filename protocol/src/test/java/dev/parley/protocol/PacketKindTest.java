package dev.parley.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

class PacketKindTest {
    @Test
    void firstByteRangesOfRfc7983() {
        for (int b = 0; b < 256; b++) {
            PacketKind expected = b <= 3 ? PacketKind.STUN : b >= 16 && b <= 19 ? PacketKind.ZRTP : b >= 20 && b <= 63 ? PacketKind.DTLS
                    : b >= 64 && b <= 79 ? PacketKind.TURN_CHANNEL : b >= 128 && b <= 191 ? PacketKind.RTP_OR_RTCP : PacketKind.UNKNOWN;
            assertThat(PacketKind.of(b)).as("byte %d", b).isEqualTo(expected);
        }
        assertThat(PacketKind.of(new byte[0])).isEqualTo(PacketKind.UNKNOWN);
        assertThat(PacketKind.of(new byte[] {(byte) 0x80, 111})).isEqualTo(PacketKind.RTP_OR_RTCP);
    }

    @Test
    void byteBufIsClassifiedByItsFirstReadableByteWithoutConsumingIt() {
        var buf = Unpooled.wrappedBuffer(new byte[] {0x08, 0x01, (byte) 0x80});
        assertThat(PacketKind.of(buf)).isEqualTo(PacketKind.UNKNOWN);
        buf.skipBytes(1);
        assertThat(PacketKind.of(buf)).isEqualTo(PacketKind.STUN);
        assertThat(buf.readerIndex()).isEqualTo(1);
        buf.skipBytes(2);
        assertThat(PacketKind.of(buf)).isEqualTo(PacketKind.UNKNOWN);
    }
}
