package dev.parley.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs {@code lab/smoke.sh} (real NATs from network namespaces and iptables) with this build's
 * launcher when running as root with {@code ip netns} available (CI is root); skips otherwise.
 */
@Tag(LabScript.TAG)
class LabSmokeTest {
    private static final String PREFIX = "plabk";

    @Test
    void everyNatKindIsClassifiedAcrossRealNats(@TempDir Path out) throws Exception {
        LabScript.assumeLab("lab smoke");
        LabScript.runAndExpectSuccess("smoke.sh", PREFIX, out, Duration.ofMinutes(5));

        @SuppressWarnings("unchecked")
        List<Map<String, Object>> rows = Reports.JSON.readValue(out.resolve("smoke.json").toFile(), List.class);
        assertThat(rows).extracting(r -> r.get("host") + "=" + ((Map<?, ?>) r.get("stun")).get("mapping"))
                .containsExactly("pub1=no NAT", "eim1=endpoint-independent", "sym1=endpoint-dependent", "fw1=blocked");
        LabScript.assertTornDown(PREFIX);
    }
}
