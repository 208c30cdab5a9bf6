package dev.parley.client.media;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class MediaConfigTest {
    @Test
    void defaultsAndValidation() {
        MediaConfig config = MediaConfig.defaults(42);
        assertThat(config.bitrateKbps()).isEqualTo(32);
        assertThat(config.payloadType()).isEqualTo(111);
        assertThat(config.jitterBufferMs()).isEqualTo(60);
        assertThat(config.ssrc()).isEqualTo(42);
        assertThatThrownBy(() -> new MediaConfig(31, 111, 60, 1)).hasMessage("bitrateKbps: 31 (expected: 32..64)");
        assertThatThrownBy(() -> new MediaConfig(32, 0, 60, 1)).hasMessage("payloadType: 0 (expected: 96..127)");
        assertThatThrownBy(() -> new MediaConfig(32, 111, 5, 1)).hasMessage("jitterBufferMs: 5 (expected: 20..1000)");
        assertThatThrownBy(() -> new MediaConfig(32, 111, 60, 1L << 32))
                .hasMessage("ssrc: 4294967296 (expected: 0..4294967295)");
    }

    @Test
    void statsMapUsesSnakeCaseKeys() {
        MediaStats stats = new MediaStats(1, 2, 3, 4, 5, 1.23456, 31.9999, 6, 7, 8, 9, 10);
        assertThat(stats.toMap()).containsExactly(
                org.assertj.core.api.Assertions.entry("packets_sent", 1L),
                org.assertj.core.api.Assertions.entry("packets_received", 2L),
                org.assertj.core.api.Assertions.entry("packets_lost", 3L),
                org.assertj.core.api.Assertions.entry("packets_late", 4L),
                org.assertj.core.api.Assertions.entry("packets_duplicate", 5L),
                org.assertj.core.api.Assertions.entry("packets_discarded", 10L),
                org.assertj.core.api.Assertions.entry("jitter_ms", 1.235),
                org.assertj.core.api.Assertions.entry("bitrate_kbps", 32.0),
                org.assertj.core.api.Assertions.entry("frames_played", 6L),
                org.assertj.core.api.Assertions.entry("frames_concealed", 7L),
                org.assertj.core.api.Assertions.entry("bytes_sent", 8L),
                org.assertj.core.api.Assertions.entry("duration_ms", 9L));
    }
}
