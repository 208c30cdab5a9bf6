package dev.parley.codec.audio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class BufferSourcesTest {
    @Test
    void pcmBufferSourcePadsTheLastFrameThenEnds() {
        short[] pcm = new short[960 * 2 + 100];
        for (int i = 0; i < pcm.length; i++) {
            pcm[i] = (short) (i + 1);
        }
        PcmBufferSource source = new PcmBufferSource(pcm);
        assertThat(source.totalFrames()).isEqualTo(3);
        PcmBufferSink sink = new PcmBufferSink();
        short[] frame = new short[960];
        int frames = 0;
        while (source.read(frame)) {
            sink.write(frame);
            frames++;
        }
        assertThat(frames).isEqualTo(3);
        assertThat(sink.frames()).isEqualTo(3);
        short[] recorded = sink.samples();
        assertThat(Arrays.copyOf(recorded, pcm.length)).isEqualTo(pcm);
        assertThat(Arrays.copyOfRange(recorded, pcm.length, recorded.length)).isEqualTo(new short[860]);
        assertThat(source.read(frame)).isFalse();
    }

    @Test
    void sinkGrowsBeyondItsInitialCapacityAndIgnoresWritesAfterClose() {
        PcmBufferSink sink = new PcmBufferSink();
        short[] frame = new short[960];
        for (int f = 0; f < 600; f++) {
            frame[0] = (short) f;
            sink.write(frame);
        }
        sink.close();
        sink.write(frame);
        assertThat(sink.isClosed()).isTrue();
        assertThat(sink.frames()).isEqualTo(600);
        assertThat(sink.samples()[599 * 960]).isEqualTo((short) 599);
    }

    @Test
    void silenceSourcesAreFiniteOrEndless() {
        short[] frame = new short[960];
        frame[5] = 7;
        SilenceSource finite = SilenceSource.frames(2);
        assertThat(finite.read(frame)).isTrue();
        assertThat(frame).isEqualTo(new short[960]);
        assertThat(finite.read(frame)).isTrue();
        assertThat(finite.read(frame)).isFalse();
        SilenceSource endless = SilenceSource.endless();
        for (int i = 0; i < 1000; i++) {
            assertThat(endless.read(frame)).isTrue();
        }
        endless.close();
        assertThat(endless.read(frame)).isFalse();
        assertThatThrownBy(() -> SilenceSource.frames(-1)).hasMessage("frames: -1 (expected: >= 0)");
        assertThatThrownBy(() -> endless.read(new short[10])).hasMessage("frameSamples: 10 (expected: 960)");
    }
}
