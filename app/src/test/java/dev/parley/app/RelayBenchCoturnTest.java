package dev.parley.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code parley bench relay --against coturn} end to end with a few calls: coturn started on
 * loopback, driven through TURN Allocate/CreatePermission/ChannelBind and ChannelData by the same
 * load as Parley's relay. Needs coturn's {@code turnserver}: skipped without it, except in CI
 * ({@code CI=true}), which installs it.
 */
class RelayBenchCoturnTest {
    @Test
    void coturnAndParleyRelayTheSameLoad() throws Exception {
        if (CoturnRelay.find().isEmpty()) {
            if ("true".equals(System.getenv("CI"))) {
                fail("turnserver not found: CI installs the Debian package coturn for this test");
            }
            assumeTrue(false, "skipped: coturn's turnserver is not installed (Debian package coturn)");
        }
        Map<String, Object> r = RelayBench.run(4, 1, 1, "epoll");
        @SuppressWarnings("unchecked")
        Map<String, Object> coturn = (Map<String, Object>) r.get("coturn");
        // 4 calls x 2 parties x 50 packets/s for 1 s, through each relay (400 sent; a busy machine may lose a few).
        assertThat((long) r.get("packets_received")).isGreaterThanOrEqualTo(360L).isLessThanOrEqualTo((long) r.get("packets_sent"));
        assertThat((long) coturn.get("packets_received")).isGreaterThanOrEqualTo(360L)
                .isLessThanOrEqualTo((long) coturn.get("packets_sent"));
        assertThat((String) coturn.get("server")).startsWith("coturn");
        assertThat(coturn.get("relay_threads")).isEqualTo(1);
        assertThat(r).containsKeys("ratio", "added_latency_p50_us");
        assertThat(RelayBench.table(r)).contains("coturn").contains("parley (");
    }

    @Test
    void aMissingTurnserverIsFoundMissing() {
        assertThat(CoturnRelay.find("/nonexistent-parley-dir")).isEmpty();
    }
}
