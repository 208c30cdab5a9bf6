package dev.parley.nat.ice;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class CandidateTest {
    @Test
    void prioritiesFollowRfc8445Formula() {
        // 2^24 * type preference + 2^8 * 65535 + (256 - 1)
        assertThat(Candidate.priority(CandidateType.HOST, 65535)).isEqualTo(126L * 16_777_216 + 65535L * 256 + 255);
        assertThat(Candidate.priority(CandidateType.HOST, 65535)).isEqualTo(2_130_706_431L);
        assertThat(Candidate.priority(CandidateType.PEER_REFLEXIVE, 65535)).isEqualTo(1_862_270_975L);
        assertThat(Candidate.priority(CandidateType.SERVER_REFLEXIVE, 65535)).isEqualTo(1_694_498_815L);
        assertThat(Candidate.priority(CandidateType.RELAYED, 65535)).isEqualTo(16_777_215L);
        assertThatThrownBy(() -> Candidate.priority(CandidateType.HOST, 70_000)).hasMessage("localPreference: 70000 (expected: 0..65535)");
    }

    @Test
    void pairPriorityIsSymmetricBetweenAgentsAndOrdersPairs() {
        SplittableRandom r = new SplittableRandom(6);
        for (int i = 0; i < 1000; i++) {
            long g = 1 + r.nextLong(0xffffffffL);
            long d = 1 + r.nextLong(0xffffffffL);
            BigInteger expected = BigInteger.valueOf(Math.min(g, d)).shiftLeft(32)
                    .add(BigInteger.valueOf(2 * Math.max(g, d) + (g > d ? 1 : 0)));
            assertThat(Long.toUnsignedString(CandidatePair.pairPriority(g, d))).isEqualTo(expected.toString());
            Candidate a = new Candidate(CandidateType.HOST, new InetSocketAddress("10.0.0.1", 1), g);
            Candidate b = new Candidate(CandidateType.HOST, new InetSocketAddress("10.0.0.2", 2), d);
            // both agents compute the same priority for the same pair (controlling's candidate is G)
            assertThat(new CandidatePair(a, b).priority(true)).isEqualTo(new CandidatePair(b, a).priority(false));
        }
        InetSocketAddress x = new InetSocketAddress("10.0.0.1", 1);
        Candidate host = Candidate.of(CandidateType.HOST, x);
        long hostHost = new CandidatePair(host, Candidate.of(CandidateType.HOST, x)).priority(true);
        long hostSrflx = new CandidatePair(host, Candidate.of(CandidateType.SERVER_REFLEXIVE, x)).priority(true);
        long hostRelay = new CandidatePair(host, Candidate.of(CandidateType.RELAYED, x)).priority(true);
        assertThat(Long.compareUnsigned(hostHost, hostSrflx)).isPositive();
        assertThat(Long.compareUnsigned(hostSrflx, hostRelay)).isPositive();
    }

    @Test
    void iceCredentialsHaveRfcLengths() {
        IceCredentials c = IceCredentials.random(new SplittableRandom(7));
        assertThat(c.ufrag()).hasSize(8);
        assertThat(c.password()).hasSize(24);
        assertThatThrownBy(() -> new IceCredentials("ab", "x".repeat(22))).hasMessageContaining("ufrag");
    }
}
