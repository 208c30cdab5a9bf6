package dev.parley.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.parley.protocol.wire.Envelope;
import dev.parley.protocol.wire.Search;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class FrameDecoderTest {

    private static ByteBuf frame(byte[] payload) {
        ByteBuf buf = Unpooled.buffer();
        int v = payload.length;
        while ((v & ~0x7f) != 0) {
            buf.writeByte((v & 0x7f) | 0x80);
            v >>>= 7;
        }
        buf.writeByte(v);
        return buf.writeBytes(payload);
    }

    @Test
    void decodesFramesSplitAcrossReads() {
        EmbeddedChannel ch = new EmbeddedChannel(new FrameDecoder(1024));
        byte[] payload = new byte[300]; // two-byte varint prefix
        for (int i = 0; i < payload.length; i++) {
            payload[i] = (byte) i;
        }
        ByteBuf whole = frame(payload);
        assertThat(ch.writeInbound(whole.readRetainedSlice(1))).isFalse();
        assertThat(ch.writeInbound(whole.readRetainedSlice(100))).isFalse();
        assertThat(ch.writeInbound(whole.readRetainedSlice(whole.readableBytes()))).isTrue();
        whole.release();
        ByteBuf out = ch.readInbound();
        byte[] got = new byte[out.readableBytes()];
        out.readBytes(got);
        out.release();
        assertThat(got).isEqualTo(payload);
        assertThat(ch.finish()).isFalse();
    }

    @Test
    void decodesSeveralFramesInOneRead() {
        EmbeddedChannel ch = new EmbeddedChannel(new FrameDecoder(1024));
        ByteBuf two = Unpooled.wrappedBuffer(frame(new byte[] {1, 2}), frame(new byte[] {3}), frame(new byte[0]));
        ch.writeInbound(two);
        int[] sizes = new int[3];
        for (int i = 0; i < 3; i++) {
            ByteBuf b = ch.readInbound();
            sizes[i] = b.readableBytes();
            b.release();
        }
        assertThat(sizes).containsExactly(2, 1, 0);
        assertThat(ch.finish()).isFalse();
    }

    @Test
    void rejectsOversizedFrameBeforeBufferingPayload() {
        EmbeddedChannel ch = new EmbeddedChannel(new FrameDecoder(100));
        ByteBuf header = Unpooled.buffer().writeByte(0xe5).writeByte(0x00); // 101, not yet any payload
        assertThatThrownBy(() -> ch.writeInbound(header))
                .isInstanceOf(FrameTooLargeException.class)
                .hasMessage("frameSize: 101 (expected: <= 100)");
        // further input is discarded, not decoded
        assertThat(ch.writeInbound(frame(new byte[] {1}))).isFalse();
        ch.finishAndReleaseAll();
    }

    @Test
    void rejectsOverlongVarint() {
        EmbeddedChannel ch = new EmbeddedChannel(new FrameDecoder(100));
        ByteBuf bad = Unpooled.buffer().writeBytes(new byte[] {(byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, 1});
        assertThatThrownBy(() -> ch.writeInbound(bad)).isInstanceOf(CorruptFrameException.class);
        ch.finishAndReleaseAll();
    }

    @Test
    void garbageNeverEscapesAsAnythingButDecoderErrors() {
        SplittableRandom random = new SplittableRandom(42);
        for (int round = 0; round < 2000; round++) {
            EmbeddedChannel ch = new EmbeddedChannel();
            ControlPipeline.install(ch.pipeline(), 512);
            byte[] garbage = new byte[random.nextInt(1, 700)];
            random.nextBytes(garbage);
            try {
                ch.writeInbound(Unpooled.wrappedBuffer(garbage));
                Object msg;
                while ((msg = ch.readInbound()) != null) {
                    assertThat(msg).isInstanceOf(Envelope.class); // a random frame may parse as protobuf
                }
            } catch (DecoderException expected) {
                // FrameTooLargeException, CorruptFrameException or protobuf parse failure
            }
            ch.finishAndReleaseAll();
        }
    }

    @Test
    void envelopeRoundTripsThroughPipeline() {
        EmbeddedChannel ch = new EmbeddedChannel();
        ControlPipeline.install(ch.pipeline(), ControlPipeline.DEFAULT_MAX_FRAME_BYTES);
        Envelope sent = Envelopes.builder(7).setSearch(Search.newBuilder().setUsername("bob")).build();
        ch.writeOutbound(sent);
        ByteBuf wire = ch.readOutbound();
        ch.writeInbound(wire);
        Envelope got = ch.readInbound();
        assertThat(got).isEqualTo(sent);
        assertThat(ch.finish()).isFalse();
    }
}
