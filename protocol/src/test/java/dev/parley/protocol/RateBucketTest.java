package dev.parley.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class RateBucketTest {
    @Test
    void burstThenSustainedRateWithTheWaitSaid() {
        RateBucket b = new RateBucket(2, 3, 1000); // 2/s, 3 at once
        assertThat(b.tryTake(1, 1000)).isZero();
        assertThat(b.tryTake(1, 1000)).isZero();
        assertThat(b.tryTake(1, 1000)).isZero();
        assertThat(b.tryTake(1, 1000)).isEqualTo(500); // empty: the next token in 500 ms
        assertThat(b.tryTake(1, 1499)).isEqualTo(1);
        assertThat(b.tryTake(1, 1500)).isZero();
        assertThat(b.tryTake(1, 100_000)).isZero(); // refill is capped at the capacity
        assertThat(b.tryTake(3, 100_000)).isEqualTo(500); // 2 left, 1 more needed: 500 ms at 2/s
    }

    @Test
    void bytesAsTokensAndAClockGoingBack() {
        RateBucket b = new RateBucket(32_000, 32_000, 0);
        assertThat(b.tryTake(32_000, 0)).isZero();
        assertThat(b.tryTake(200, 5)).isEqualTo(2); // 5 ms refilled 160 bytes: 40 more take 2 ms at 32 bytes/ms
        assertThat(b.tryTake(160, 5)).isZero();
        assertThat(b.tryTake(1, -10_000)).isEqualTo(1); // time going back adds nothing
        assertThatThrownBy(() -> new RateBucket(0, 1, 0)).hasMessageContaining("expected: both > 0");
    }
}
