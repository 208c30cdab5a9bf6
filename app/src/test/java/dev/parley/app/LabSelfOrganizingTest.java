package dev.parley.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs {@code lab/selforg.sh} (a login server and only clients, on the public segment and behind real
 * NATs) when running as root with {@code ip netns} (CI is root); skips otherwise. Public clients are
 * promoted, NATed ones never, and two NATed clients call each other through the promoted ones; the
 * busiest promoted super node is killed mid-call: the call goes on, and a client that was on it is
 * found and called afterwards.
 */
@Tag(LabScript.TAG)
class LabSelfOrganizingTest {
    private static final String PREFIX = "plabs";

    @Test
    void publicClientsArePromotedNatedOnesNeverAndTheyCallThroughThem(@TempDir Path out) throws Exception {
        LabScript.assumeLab("lab self-organizing overlay");
        LabScript.runAndExpectSuccess("selforg.sh", PREFIX, out, Duration.ofMinutes(5));

        @SuppressWarnings("unchecked")
        Map<String, Object> report = Reports.JSON.readValue(out.resolve("selforg.json").toFile(), Map.class);
        assertThat(((String) report.get("promoted")).split(" ")).hasSizeGreaterThanOrEqualTo(3)
                .allMatch(a -> a.startsWith("10.99.0.11:") || a.startsWith("10.99.0.12:") || a.startsWith("10.99.0.21:"));
        assertThat((Integer) report.get("nat_offers_refused")).isGreaterThanOrEqualTo(3);
        assertThat(report.get("call_connected")).isEqualTo(true);
        assertThat((String) report.get("killed")).as("the busiest promoted super node")
                .matches("10\\.99\\.0\\.(11|12|21):\\d+");
        assertThat(report.get("call_continued")).as("the call lasted its clip after the kill").isEqualTo(true);
        assertThat(report.get("found_after_kill")).as("a client of the killed super node, called afterwards").isEqualTo(true);
        assertThat((Integer) report.get("clients_rejoined")).as("the killed super node's clients rejoined").isPositive();
        LabScript.assertTornDown(PREFIX);
    }
}
