package dev.parley.login;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The upload estimate's arithmetic and bounds ({@link UploadMeter}); the wire attacks are in the client's UploadBurstAttackTest. */
class UploadMeterTest {
    private static final long MS = 1_000_000;

    @Test
    void theEstimateIsWhatArrivedAfterTheFirstDatagramOverTheTimeItTook() {
        // 104 datagrams of 1,200 bytes paced 4.8 ms apart: 2,000 kbit/s
        UploadMeter.Estimate e = UploadMeter.estimate(104, 104 * 1_200, 103 * 1_200, 103 * 48 * MS / 10);
        assertThat(e.kbps()).isEqualTo(2_000);
        assertThat(e.datagrams()).isEqualTo(104);
    }

    @Test
    void tooFewDatagramsMeasureNothingAndFastOnesAreDividedByTheFloor() {
        assertThat(UploadMeter.estimate(UploadMeter.MIN_DATAGRAMS - 1, 8_400, 7_200, MS).kbps()).isZero();
        // 8 datagrams in 1 µs would be 67 Gbit/s; over the 100 ms floor they are 672 kbit/s
        assertThat(UploadMeter.estimate(8, 9_600, 8_400, 1_000).kbps()).isEqualTo(672);
        assertThat(UploadMeter.estimate(UploadMeter.MAX_DATAGRAMS, 132_000, 130_800, 0).kbps())
                .as("the most a burst can show").isEqualTo(10_464);
    }

    @Test
    void openMeasurementsFollowTheProbeRatesWithinBounds() {
        assertThat(UploadMeter.maxMeasurements(LoginLimits.ProbeLimits.DEFAULTS)).isEqualTo(UploadMeter.MIN_OPEN);
        assertThat(UploadMeter.maxMeasurements(new LoginLimits.ProbeLimits(1_000_000, Duration.ofMillis(1), 10_000, 10_000)))
                .isEqualTo(UploadMeter.MAX_OPEN);
    }
}
