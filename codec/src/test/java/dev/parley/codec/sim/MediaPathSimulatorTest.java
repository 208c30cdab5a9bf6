package dev.parley.codec.sim;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.codec.audio.Clips;
import dev.parley.codec.playout.JitterBufferStats;
import dev.parley.codec.quality.Fidelity;
import dev.parley.codec.quality.FidelityResult;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The receive path (adaptive jitter buffer, FEC, PLC) driven by seeded impairments on a virtual
 * clock: the assertions are the quality targets, scored with {@link Fidelity} and the E-model.
 */
class MediaPathSimulatorTest {
    private static short[] clip;
    private static MediaPathSimulator.Result clean;
    private static FidelityResult cleanFidelity;

    @BeforeAll
    static void runCleanCall() {
        clip = Clips.speechSample();
        clean = MediaPathSimulator.run(clip, 32, true, 0, ImpairmentSpec.NONE);
        cleanFidelity = Fidelity.score(clip, clean.recording());
    }

    @Test
    void cleanPathPlaysEverythingWithoutConcealmentAndLowDelay() {
        JitterBufferStats s = clean.stats();
        int frames = (clip.length + 959) / 960;
        System.out.println("clean: " + cleanFidelity + " " + s);
        assertThat(s.concealed()).isZero();
        assertThat(s.late()).isZero();
        assertThat(s.expanded()).isZero();
        assertThat(s.played() + s.accelerated()).isEqualTo(frames);
        assertThat(s.accelerated()).as("the 80 ms start delay shrinks in pauses").isBetween(1L, 4L);
        assertThat(cleanFidelity.score()).isGreaterThan(0.85);
        // Mouth-to-ear at the end: the adapted buffer plus one tick and Opus' algorithmic delay.
        assertThat(cleanFidelity.endLagSamples()).isLessThanOrEqualTo(60 * 48);
        assertThat(clean.mos()).isGreaterThan(4.3);
    }

    @Test
    void tenPercentLossAndFortyMsJitterStayWithinTenPercentOfCleanWithMosAbove3_8() {
        MediaPathSimulator.Result r = MediaPathSimulator.run(clip, 32, true, 0, ImpairmentSpec.parse("loss=10%,jitter=40ms,seed=5"));
        FidelityResult f = Fidelity.score(clip, r.recording());
        JitterBufferStats s = r.stats();
        System.out.println("10% loss, 40 ms jitter: " + f + " " + s + " mos " + r.mos());
        assertThat(r.networkLossPct()).isBetween(7.0, 13.0);
        assertThat(s.fecFrames()).as("FEC recovers most losses").isGreaterThan(s.concealed());
        assertThat(r.concealedRatio()).isLessThan(0.04);
        assertThat(f.score()).isGreaterThanOrEqualTo(0.9 * cleanFidelity.score());
        assertThat(r.mos()).isGreaterThanOrEqualTo(3.8);
        assertThat(s.targetDelayMs()).as("the target follows the 40 ms spread").isBetween(40, 100);
        assertThat(r.meanBitrateKbps()).as("the sender pays for FEC").isGreaterThan(clean.meanBitrateKbps());
    }

    @Test
    void withoutFecRecoveryConcealmentWouldBeHigher() {
        // Same seed as above, fixed 100 ms buffer (no late packets either way): FEC is what makes the difference.
        MediaPathSimulator.Result r = MediaPathSimulator.run(clip, 32, false, 100, ImpairmentSpec.parse("loss=10%,seed=5"));
        assertThat(r.stats().fecFrames()).isPositive();
        assertThat(r.stats().concealed() + r.stats().fecFrames()).isEqualTo(r.stats().lost());
    }

    @Test
    void twentyPercentLossStaysIntelligible() {
        MediaPathSimulator.Result r = MediaPathSimulator.run(clip, 32, true, 0, ImpairmentSpec.parse("loss=20%,seed=9"));
        FidelityResult f = Fidelity.score(clip, r.recording());
        System.out.println("20% loss: " + f + " mos " + r.mos());
        assertThat(f.score()).isGreaterThan(Fidelity.PASS_THRESHOLD);
        assertThat(r.mos()).isGreaterThan(3.0);
    }

    @Test
    void jitterRaisesTheTargetWithoutLatePacketsOnceAdapted() {
        MediaPathSimulator.Result r = MediaPathSimulator.run(clip, 32, true, 0, ImpairmentSpec.parse("jitter=80ms,seed=3"));
        JitterBufferStats s = r.stats();
        assertThat(s.targetDelayMs()).isBetween(80, 140);
        assertThat(s.concealed() + s.late()).isLessThanOrEqualTo(3);
        assertThat(Fidelity.score(clip, r.recording()).score()).isGreaterThan(0.85);
    }
}
