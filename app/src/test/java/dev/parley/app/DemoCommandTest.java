package dev.parley.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.codec.audio.Clips;
import dev.parley.codec.audio.Wav;
import dev.parley.codec.quality.Fidelity;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.assertj.core.api.InstanceOfAssertFactories;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code parley demo} as a user runs it: six real processes on loopback, a real call, a report.
 * Uses a 4 s excerpt of the bundled clip (via --play) to keep the suite fast.
 */
class DemoCommandTest {
    @Test
    void demoPlacesARealCallAndReportsFidelityAboveThreshold(@TempDir Path dir) throws Exception {
        Path clip = dir.resolve("clip.wav");
        // 6 s: RTCP reports are randomized (first at 0.5-1.5 s, then every 1.25-3.75 s), so a 4 s call
        // gets a round trip only for some SSRC draws (the seeded draws moved when calls got a spare media socket)
        Wav.writeMono48k(clip, Arrays.copyOfRange(Clips.speechSample(), 0, 6 * 48_000));
        Path record = dir.resolve("bob.wav");
        Path report = dir.resolve("report.json");

        StringWriter err = new StringWriter();
        var cl = Main.commandLine();
        cl.setErr(new PrintWriter(err));
        int exit = cl.execute("demo", "--play", clip.toString(), "--record", record.toString(), "--report", report.toString());

        assertThat(exit).as("demo exit status; stderr: %s", err).isZero();
        Map<String, Object> r = Reports.read(report);
        assertThat(r.get("connected")).isEqualTo(true);
        assertThat(((Number) r.get("fidelity")).doubleValue()).isGreaterThan(Fidelity.PASS_THRESHOLD);
        assertThat(((Number) r.get("setup_ms")).longValue()).isPositive();
        assertThat(r.get("encrypted")).isEqualTo(true);
        assertThat(r.get("cipher_suite")).isEqualTo("HPKE X25519/AES-128-GCM + SRTP AEAD_AES_128_GCM");
        assertThat((String) r.get("sas")).matches("\\d{3} \\d{3}");
        assertThat(r.get("sas_matches")).as("alice and bob show the same SAS").isEqualTo(true);
        assertThat(((Number) r.get("srtp_dropped")).longValue()).isZero();
        assertThat(((Number) r.get("packets_received")).longValue()).isGreaterThanOrEqualTo(4 * 50);
        assertThat(((Number) r.get("packets_lost")).longValue()).isZero();
        assertThat(((Number) r.get("bitrate_kbps")).doubleValue()).isBetween(24.0, 40.0);
        assertThat(r.get("search")).asInstanceOf(InstanceOfAssertFactories.MAP)
                .containsKey("supernodes_contacted");
        assertThat(Files.size(record)).isGreaterThan(44 + 4 * 48_000 * 2L);
        assertThat(r).containsKeys("mos", "fec_recovered", "concealed_ratio", "jitter_buffer_ms", "rtt_ms", "opus");
        assertThat(((Number) r.get("concealed_ratio")).doubleValue()).isZero();
        assertThat(((Number) r.get("mos")).doubleValue()).isGreaterThan(4.0);
        assertThat(((Number) r.get("rtt_ms")).doubleValue()).isBetween(0.0, 200.0);
    }

    @Test
    void demoWithImpairedReceptionRecoversLossesWithFecAndStaysAboveThreshold(@TempDir Path dir) throws Exception {
        Path clip = dir.resolve("clip.wav");
        Wav.writeMono48k(clip, Arrays.copyOfRange(Clips.speechSample(), 0, 5 * 48_000));
        Path report = dir.resolve("report.json");
        StringWriter err = new StringWriter();
        var cl = Main.commandLine();
        cl.setErr(new PrintWriter(err));
        int exit = cl.execute("demo", "--play", clip.toString(), "--record", dir.resolve("bob.wav").toString(),
                "--report", report.toString(), "--impair", "loss=10%,jitter=40ms,seed=3");
        assertThat(exit).as("demo exit status; stderr: %s", err).isZero();
        Map<String, Object> r = Reports.read(report);
        assertThat(r.get("impairment")).isEqualTo("loss=10%,jitter=40ms,seed=3");
        assertThat(((Number) r.get("loss_pct")).doubleValue()).isBetween(3.0, 20.0);
        assertThat(((Number) r.get("fec_recovered")).longValue()).isPositive();
        assertThat(((Number) r.get("loss_after_fec_pct")).doubleValue())
                .isLessThan(((Number) r.get("loss_pct")).doubleValue());
        assertThat(((Number) r.get("fidelity")).doubleValue()).isGreaterThan(Fidelity.PASS_THRESHOLD);
        assertThat(((Number) r.get("mos")).doubleValue()).isBetween(1.0, 4.5);
    }

    @Test
    void demoRejectsAnUnreadableClipWithAClearMessage(@TempDir Path dir) throws Exception {
        Path notWav = Files.writeString(dir.resolve("not.wav"), "this is not audio");
        StringWriter err = new StringWriter();
        var cl = Main.commandLine();
        cl.setErr(new PrintWriter(err));
        int exit = cl.execute("demo", "--play", notWav.toString(), "--report", dir.resolve("r.json").toString());
        assertThat(exit).isNotZero();
        assertThat(err.toString()).contains("not.wav");
    }
}
