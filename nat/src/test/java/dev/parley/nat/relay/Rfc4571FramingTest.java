package dev.parley.nat.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.TooLongFrameException;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class Rfc4571FramingTest {
    @Test
    void framesSurviveArbitraryTcpSegmentation() {
        SplittableRandom random = new SplittableRandom(4571);
        EmbeddedChannel encoder = new EmbeddedChannel(new Rfc4571FrameEncoder());
        byte[][] packets = new byte[50][];
        for (int i = 0; i < packets.length; i++) {
            packets[i] = new byte[1 + random.nextInt(1500)];
            random.nextBytes(packets[i]);
            encoder.writeOutbound(Unpooled.wrappedBuffer(packets[i]));
        }
        ByteBuf stream = Unpooled.buffer();
        for (Object o; (o = encoder.readOutbound()) != null; ) {
            ByteBuf b = (ByteBuf) o;
            stream.writeBytes(b);
            b.release();
        }
        assertThat(stream.getUnsignedShort(0)).isEqualTo(packets[0].length);

        EmbeddedChannel decoder = new EmbeddedChannel(new Rfc4571FrameDecoder(1500));
        while (stream.isReadable()) {
            decoder.writeInbound(stream.readRetainedSlice(Math.min(stream.readableBytes(), 1 + random.nextInt(700))));
        }
        stream.release();
        for (byte[] p : packets) {
            ByteBuf frame = decoder.readInbound();
            assertThat(ByteBufUtil.getBytes(frame)).isEqualTo(p);
            frame.release();
        }
        assertThat((Object) decoder.readInbound()).isNull();
        assertThat(decoder.finish()).isFalse();
    }

    @Test
    void oversizedAndEmptyFramesAreRejected() {
        EmbeddedChannel big = new EmbeddedChannel(new Rfc4571FrameDecoder(1500));
        assertThatThrownBy(() -> big.writeInbound(Unpooled.wrappedBuffer(new byte[] {0x23, 0x28, 1, 2})))
                .isInstanceOf(TooLongFrameException.class).hasMessage("rtpFrame: 9000 bytes (expected: <= 1500)");
        EmbeddedChannel empty = new EmbeddedChannel(new Rfc4571FrameDecoder(1500));
        assertThatThrownBy(() -> empty.writeInbound(Unpooled.wrappedBuffer(new byte[] {0, 0})))
                .isInstanceOf(DecoderException.class).hasMessageContaining("rtpFrame: 0 bytes (expected: >= 1)");
    }
}
