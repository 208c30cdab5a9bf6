package dev.parley.codec.audio;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.codec.TestSignals;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ClipsTest {
    @Test
    void speechSampleIsAboutElevenSecondsOfSpeechAt48k() throws IOException {
        short[] clip = Clips.speechSample();
        assertThat(clip.length / 48_000.0).isBetween(10.0, 12.0);
        assertThat(TestSignals.rms(clip, 0, clip.length)).isGreaterThan(0.05);
        // Speech has pauses: some 20 ms frames are far quieter than the loudest.
        double loudest = 0;
        double quietest = Double.MAX_VALUE;
        for (int f = 0; f + 960 <= clip.length; f += 960) {
            double rms = TestSignals.rms(clip, f, f + 960);
            loudest = Math.max(loudest, rms);
            quietest = Math.min(quietest, rms);
        }
        assertThat(quietest).isLessThan(loudest / 100);
        clip[0] = 12345;
        assertThat(Clips.speechSample()[0]).isNotEqualTo((short) 12345); // callers get copies
        try (InputStream in = Clips.openSpeechSample()) {
            assertThat(new String(in.readNBytes(4), StandardCharsets.US_ASCII)).isEqualTo("RIFF");
        }
    }
}
