package dev.parley.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs {@code lab/matrix.sh} — a real call between every pair of NAT kinds across real NATs, and
 * between two EIM NATs whose routers accept unsolicited input ({@code eimacc}) — with
 * this build's launcher when running as root with {@code ip netns} and python3 available (CI);
 * skips otherwise.
 */
@Tag(LabScript.TAG)
class LabMatrixTest {
    private static final String PREFIX = "plabm";

    @Test
    void everyPairOfNatKindsConnectsOnTheMostDirectPath(@TempDir Path out) throws Exception {
        LabScript.assumeLab("lab matrix", "python3");
        // two pairs at a time (each its own users and NAT mappings): the suite's time, not the setup times, matters here
        LabScript.runAndExpectSuccess("matrix.sh", PREFIX, Map.of("MATRIX_JOBS", "2"), out, Duration.ofMinutes(8));

        @SuppressWarnings("unchecked")
        List<Map<String, Object>> rows = Reports.JSON.readValue(out.resolve("matrix.json").toFile(), List.class);
        assertThat(rows).hasSize(11).allSatisfy(r -> assertThat(r.get("ok")).as(r.toString()).isEqualTo(true));
        assertThat(rows).filteredOn(r -> r.get("caller").equals("eim") && r.get("callee").equals("eim"))
                .extracting(r -> r.get("path")).containsExactly("hole-punched");
        // routers that accept unsolicited input (conntrack quirk): the callee's low-TTL first checks keep the punch direct
        assertThat(rows).filteredOn(r -> r.get("caller").equals("eimacc") && r.get("callee").equals("eimacc"))
                .extracting(r -> r.get("path"), r -> r.get("callee_path")).containsExactly(tuple("hole-punched", "hole-punched"));
        assertThat(rows).filteredOn(r -> r.get("caller").equals("sym") && r.get("callee").equals("sym"))
                .extracting(r -> r.get("path")).containsExactly("relay-udp");
        assertThat(rows).filteredOn(r -> r.get("callee").equals("fw"))
                .extracting(r -> r.get("path")).containsOnly("relay-tcp");
        LabScript.assertTornDown(PREFIX);
    }
}
