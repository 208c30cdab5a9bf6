package dev.parley.codec.opus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.parley.codec.audio.Clips;
import dev.parley.codec.quality.Fidelity;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Passes with and without a system libopus installed. */
class OpusLibraryTest {
    @Test
    void bundledLibraryIsAlwaysAvailable() {
        OpusNative.Loaded bundled = OpusNative.load("bundled");
        assertThat(bundled.source()).isEqualTo(OpusNative.Source.BUNDLED);
        assertThat(bundled.version()).startsWith("libopus 1.1");
    }

    @Test
    void systemLibraryIsUsedOnlyWhenAtLeast1_3() {
        OpusNative.Loaded system = OpusNative.loadSystem();
        OpusNative.Loaded auto = OpusNative.load("auto");
        if (system == null) {
            assertThat(auto.source()).isEqualTo(OpusNative.Source.BUNDLED);
            assertThatThrownBy(() -> OpusNative.load("system")).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("apt-get install libopus0");
        } else {
            assertThat(OpusNative.isAtLeast(system.version(), 1, 3)).isTrue();
            assertThat(auto.source()).isEqualTo(OpusNative.Source.SYSTEM);
            assertThat(auto.path()).isEqualTo(system.path());
        }
        assertThat(OpusLibraryInfo.describe()).startsWith(OpusLibraryInfo.version()).contains(OpusLibraryInfo.source());
    }

    @Test
    void bothLibrariesInteroperateThroughTheSameBinding() {
        OpusNative.Loaded a = OpusNative.load("auto");
        OpusNative.Loaded b = OpusNative.load("bundled");
        short[] clip = Arrays.copyOfRange(Clips.speechSample(), 0, 960 * 100);
        short[] decoded = new short[clip.length];
        try (OpusEncoder encoder = OpusEncoder.create(a.opus(), 32); OpusDecoder decoder = OpusDecoder.create(b.opus())) {
            byte[] out = new byte[1500];
            short[] pcm = new short[960];
            for (int k = 0; k < 100; k++) {
                int n = encoder.encode(Arrays.copyOfRange(clip, 960 * k, 960 * (k + 1)), out);
                decoder.decode(out, 0, n, pcm);
                System.arraycopy(pcm, 0, decoded, 960 * k, 960);
            }
        }
        assertThat(Fidelity.score(clip, decoded).score()).isGreaterThan(Fidelity.PASS_THRESHOLD);
    }

    @Test
    void versionComparison() {
        assertThat(OpusNative.isAtLeast("libopus 1.3.1", 1, 3)).isTrue();
        assertThat(OpusNative.isAtLeast("libopus 1.5.2", 1, 3)).isTrue();
        assertThat(OpusNative.isAtLeast("libopus 1.1.2", 1, 3)).isFalse();
        assertThat(OpusNative.isAtLeast("libopus 2.0", 1, 3)).isTrue();
        assertThat(OpusNative.isAtLeast("unknown", 1, 3)).isFalse();
        assertThatThrownBy(() -> OpusNative.load("newest")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("parley.opus: 'newest' (expected: auto, system or bundled)");
    }
}
