package dev.parley.login;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.login.PromotionPolicy.Candidate;
import dev.parley.login.PromotionPolicy.Serving;
import dev.parley.protocol.HostPort;
import java.util.List;
import org.junit.jupiter.api.Test;

class PromotionPolicyTest {
    private final PromotionPolicy policy = PromotionPolicy.DEFAULTS;

    private static Candidate candidate(String key, String host, long uptimeMs, int cpuIdle) {
        return new Candidate(key, new HostPort(host, 7000), uptimeMs, cpuIdle, 2_000);
    }

    private static Candidate uploading(String key, String host, long uptimeMs, int uploadKbps) {
        return new Candidate(key, new HostPort(host, 7000), uptimeMs, 50, uploadKbps);
    }

    @Test
    void moreUploadIsPreferredBandByBandThenUptime() {
        var d = policy.decide(List.of(), 0, List.of(uploading("old-slow", "10.0.0.1", 90_000, 600),
                uploading("fast", "10.0.1.1", 20_000, 4_000), uploading("fast-older", "10.0.2.1", 30_000, 3_000),
                uploading("mid", "10.0.3.1", 60_000, 1_100)), 4);
        // 2,048..4,095 kbit/s share a band, where uptime decides; then 1,024..2,047; then 512..1,023
        assertThat(d.promote()).containsExactly("fast-older", "fast", "mid");
    }

    @Test
    void aCandidateBelowTheMinimumUploadIsNeverPromotedEvenAtTheBootstrap() {
        var d = policy.decide(List.of(), 0, List.of(uploading("slow", "10.0.0.1", 90_000, 255),
                uploading("none", "10.0.1.1", 90_000, 0), uploading("enough", "10.0.2.1", 1_000, 256)), 3);
        assertThat(d.promote()).containsExactly("enough");
    }

    @Test
    void bootstrapPromotesTheBestAtOnceEvenIfYoung() {
        var d = policy.decide(List.of(), 0, List.of(candidate("a", "10.0.0.1", 1_000, 50),
                candidate("b", "10.0.1.1", 2_000, 50), candidate("c", "10.0.2.1", 500, 90),
                candidate("d", "10.0.3.1", 100, 10)), 4);
        assertThat(d.promote()).containsExactly("b", "a", "c");
        assertThat(d.demote()).isEmpty();
    }

    @Test
    void spreadsOverSubnetsBeforeTakingASecondFromOne() {
        var live = List.of(new Serving(new HostPort("10.0.0.9", 7000), false, 10, 0),
                new Serving(new HostPort("10.0.0.8", 7000), false, 10, 0),
                new Serving(new HostPort("10.0.0.7", 7000), false, 10, 0));
        var d = policy.decide(live, 0, List.of(candidate("same", "10.0.0.1", 60_000, 90),
                candidate("other", "10.0.5.1", 20_000, 50), candidate("young", "10.0.6.1", 1_000, 99)), 1_500);
        // two missing (target 5): the other /24 first, then the best of the rest; the young one waits
        assertThat(d.promote()).containsExactly("other", "same");
    }

    @Test
    void belowTheMinimumEvenYoungCandidatesAreTaken() {
        var live = List.of(new Serving(new HostPort("10.0.0.9", 7000), true, 10, 0));
        var d = policy.decide(live, 0, List.of(candidate("young", "10.0.6.1", 1_000, 99)), 10);
        assertThat(d.promote()).containsExactly("young");
    }

    @Test
    void underHalfTheTargetYoungCandidatesAreTakenButNotAtHalfOrMore() {
        var three = List.of(new Serving(new HostPort("10.0.0.9", 7000), true, 3_000, 60_000),
                new Serving(new HostPort("10.0.1.9", 7000), true, 3_000, 60_000),
                new Serving(new HostPort("10.0.2.9", 7000), true, 3_000, 60_000));
        List<Candidate> young = List.of(candidate("y1", "10.0.6.1", 1_000, 99), candidate("y2", "10.0.7.1", 2_000, 99));
        // 10,000 online: target 34, 3 serve — a surge: the young are promoted at once
        assertThat(policy.decide(three, 0, young, 10_000).promote()).containsExactly("y2", "y1");
        // 1,800 online: target 6, 3 serve (half): they wait for their uptime
        assertThat(policy.decide(three, 0, young, 1_800).promote()).isEmpty();
    }

    @Test
    void aboutOnePerThreeHundredClientsAndPendingCountsAsLive() {
        assertThat(policy.target(10)).isEqualTo(3);
        assertThat(policy.target(1_000)).isEqualTo(4);
        var live = List.of(new Serving(new HostPort("10.0.0.9", 7000), false, 10, 0),
                new Serving(new HostPort("10.0.1.9", 7000), true, 10, 0));
        var d = policy.decide(live, 1, List.of(candidate("x", "10.0.7.1", 60_000, 90)), 20);
        assertThat(d.promote()).isEmpty();
    }

    @Test
    void demotesTheLeastLoadedPromotedOneWhenFarAboveTargetButNeverADedicatedOne() {
        var live = List.of(new Serving(new HostPort("10.0.0.1", 7000), false, 0, 0),
                new Serving(new HostPort("10.0.1.1", 7000), true, 50, 600_000),
                new Serving(new HostPort("10.0.2.1", 7000), true, 5, 600_000),
                new Serving(new HostPort("10.0.3.1", 7000), true, 1, 1_000), // within its grace
                new Serving(new HostPort("10.0.4.1", 7000), false, 0, 0));
        var d = policy.decide(live, 0, List.of(), 60);
        assertThat(d.demote()).containsExactly(new HostPort("10.0.2.1", 7000));
        // at target + slack: nothing
        assertThat(policy.decide(live.subList(0, 4), 0, List.of(), 60).demote()).isEmpty();
    }
}
