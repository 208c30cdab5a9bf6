package dev.parley.client.call;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SignalDropsTest {
    @Test
    void aFloodOfForgedSignalsLogsAtMostTenWarningsAMinute() {
        long[] now = {0};
        SignalDrops drops = new SignalDrops(() -> now[0]);
        for (int i = 0; i < 10_000; i++) {
            drops.drop("c0ffee\n[fake log line]", "mallory\u001b[2J", "signature does not verify");
            now[0] += 1; // 10,000 in 10 s
        }
        assertThat(drops.total()).isEqualTo(10_000);
        assertThat(drops.warnedThisMinute()).isEqualTo(SignalDrops.WARN_PER_MINUTE);
        now[0] += 60_000;
        drops.drop("c", "m", "why");
        assertThat(drops.warnedThisMinute()).as("a new minute, a new allowance").isEqualTo(1);
    }
}
