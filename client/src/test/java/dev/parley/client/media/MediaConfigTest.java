package dev.parley.client.media;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.parley.codec.quality.EModel;
import dev.parley.codec.sim.ImpairmentSpec;
import org.junit.jupiter.api.Test;

class MediaConfigTest {
    @Test
    void defaultsAndValidation() {
        MediaConfig config = MediaConfig.defaults(42);
        assertThat(config.bitrateKbps()).isEqualTo(32);
        assertThat(config.payloadType()).isEqualTo(111);
        assertThat(config.jitterBufferMs()).isEqualTo(MediaConfig.ADAPTIVE);
        assertThat(config.adaptiveJitterBuffer()).isTrue();
        assertThat(config.ssrc()).isEqualTo(42);
        assertThat(config.impairment().isNone()).isTrue();
        assertThat(config.rtcpIntervalMs()).isEqualTo(MediaConfig.DEFAULT_RTCP_INTERVAL_MS);
        assertThat(new MediaConfig(32, 111, 60, 1).adaptiveJitterBuffer()).isFalse();
        assertThat(config.withImpairment(ImpairmentSpec.parse("loss=5%")).impairment().lossRate()).isEqualTo(0.05);
        assertThatThrownBy(() -> new MediaConfig(31, 111, 60, 1)).hasMessage("bitrateKbps: 31 (expected: 32..64)");
        assertThatThrownBy(() -> new MediaConfig(32, 0, 60, 1)).hasMessage("payloadType: 0 (expected: 96..127)");
        assertThatThrownBy(() -> new MediaConfig(32, 111, 5, 1)).hasMessage("jitterBufferMs: 5 (expected: 20..1000)");
        assertThatThrownBy(() -> new MediaConfig(32, 111, 60, 1L << 32))
                .hasMessage("ssrc: 4294967296 (expected: 0..4294967295)");
        assertThatThrownBy(() -> config.withRtcpIntervalMs(100)).hasMessage("rtcpIntervalMs: 100 (expected: 500..60000)");
    }

    @Test
    void statsMapUsesSnakeCaseKeysAndDerivesQualityFigures() {
        // 900 decoded + 50 FEC + 50 concealed frames; 100 of 1000 packets lost before FEC; RTT 40 ms, buffer 60 ms.
        MediaStats stats = new MediaStats(1, 900, 100, 4, 5, 1.23456, 31.9999, 900, 50, 8, 9, 10, 50, 2, 3, 0, 60, 60.0,
                40.0, 7.5, 38, 10, 4, 3, 1.0, MediaStats.EMPTY.srtp());
        assertThat(stats.lossPct()).isCloseTo(10.0, within(1e-9));
        assertThat(stats.concealedRatio()).isCloseTo(0.05, within(1e-9));
        assertThat(stats.mouthToEarMs()).isCloseTo(20 + 60 + EModel.CODEC_DELAY_MS, within(1e-9));
        assertThat(stats.mos()).isCloseTo(EModel.callMos(20 + 60 + EModel.CODEC_DELAY_MS, 5.0, 1.0), within(1e-12));
        assertThat(stats.toMap()).containsEntry("packets_sent", 1L)
                .containsEntry("packets_lost", 100L)
                .containsEntry("jitter_ms", 1.235)
                .containsEntry("bitrate_kbps", 32.0)
                .containsEntry("frames_concealed", 50L)
                .containsEntry("fec_recovered", 50L)
                .containsEntry("concealed_ratio", 0.05)
                .containsEntry("loss_pct", 10.0)
                .containsEntry("loss_after_fec_pct", 5.0)
                .containsEntry("jitter_buffer_ms", 60.0)
                .containsEntry("rtt_ms", 40.0)
                .containsEntry("bitrate_target_kbps", 38)
                .containsEntry("mos", Math.round(stats.mos() * 1000) / 1000.0);
        assertThat(stats.statusLine()).contains("rtt 40 ms", "loss 10.0% -> 5.0% after FEC (50 recovered)", "MOS ");
    }

    @Test
    void aCallThatReceivedNoAudioScoresTheFloorNotAGoodMos() {
        // Media started, nothing arrived (never connected): the E-model inputs look perfect, the call was not.
        MediaStats silent = new MediaStats(250, 0, 0, 0, 0, 0, 32, 0, 0, 40_000, 5000, 0, 0, 0, 0, 0, 80, 80.0,
                -1, -1, 32, 0, 2, 0, 1.0, MediaStats.EMPTY.srtp());
        assertThat(silent.mos()).isEqualTo(1.0);
        assertThat(silent.toMap()).containsEntry("mos", 1.0);
    }
}
