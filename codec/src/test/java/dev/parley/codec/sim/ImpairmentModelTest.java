package dev.parley.codec.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ImpairmentModelTest {
    private static List<ImpairmentModel.Verdict> run(String spec, int packets) {
        ImpairmentModel m = new ImpairmentModel(ImpairmentSpec.parse(spec));
        List<ImpairmentModel.Verdict> out = new ArrayList<>();
        for (int i = 0; i < packets; i++) {
            out.add(m.next());
        }
        return out;
    }

    @Test
    void parsesTheCommandLineFormAndPrintsItBack() {
        ImpairmentSpec s = ImpairmentSpec.parse("loss=10%, burst=2,jitter=40ms,delay=20,reorder=1%,dup=0.5%,seed=7");
        assertThat(s).isEqualTo(new ImpairmentSpec(0.10, 2, 20, 40, 0.01, 0.005, 7));
        assertThat(ImpairmentSpec.parse(s.toString())).isEqualTo(s);
        assertThat(ImpairmentSpec.parse("none").isNone()).isTrue();
        assertThat(ImpairmentSpec.parse("").toString()).isEqualTo("none");
        assertThatThrownBy(() -> ImpairmentSpec.parse("los=1%")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("impair: 'los=1%' (unknown key 'los'; expected: loss, burst, delay, jitter, reorder, dup, seed)");
        assertThatThrownBy(() -> ImpairmentSpec.parse("loss=95%")).hasMessage("loss: 0.95 (expected: 0..0.90)");
        assertThatThrownBy(() -> ImpairmentSpec.parse("jitter=fast")).hasMessage("impair: 'jitter=fast' (expected a number)");
        assertThatThrownBy(() -> ImpairmentSpec.parse("loss=60%,burst=1")).hasMessage("burst: 1.00 (expected: >= 1.50 for loss 60%)");
    }

    @Test
    void sameSeedSameFatesOtherSeedOtherFates() {
        assertThat(run("loss=10%,jitter=40ms,dup=2%,reorder=2%,seed=42", 2000))
                .isEqualTo(run("loss=10%,jitter=40ms,dup=2%,reorder=2%,seed=42", 2000))
                .isNotEqualTo(run("loss=10%,jitter=40ms,dup=2%,reorder=2%,seed=43", 2000));
    }

    @Test
    void randomLossHasTheRequestedRateAndShortBursts() {
        List<ImpairmentModel.Verdict> v = run("loss=10%,seed=1", 100_000);
        double rate = v.stream().filter(ImpairmentModel.Verdict::drop).count() / 100_000.0;
        assertThat(rate).isBetween(0.095, 0.105);
        assertThat(meanBurst(v)).isBetween(1.05, 1.18); // 1 / (1 - p) = 1.11 for independent loss
    }

    @Test
    void gilbertElliottLossHasTheRequestedRateAndBurstLength() {
        List<ImpairmentModel.Verdict> v = run("loss=10%,burst=3,seed=2", 200_000);
        double rate = v.stream().filter(ImpairmentModel.Verdict::drop).count() / 200_000.0;
        assertThat(rate).isBetween(0.09, 0.11);
        assertThat(meanBurst(v)).isBetween(2.8, 3.2);
    }

    @Test
    void delaysStayWithinDelayPlusJitterAndDuplicatesComeAtTheRequestedRate() {
        List<ImpairmentModel.Verdict> v = run("delay=20ms,jitter=40ms,dup=5%,reorder=3%,seed=3", 50_000);
        long held = v.stream().filter(x -> x.delayMs() > 60).count();
        assertThat(v).allSatisfy(x -> assertThat(x.delayMs()).isBetween(20, 60 + ImpairmentSpec.REORDER_HOLD_MS));
        assertThat(held / 50_000.0).isBetween(0.02, 0.04);
        assertThat(v.stream().filter(ImpairmentModel.Verdict::duplicate).count() / 50_000.0).isBetween(0.04, 0.06);
        double mean = v.stream().filter(x -> x.delayMs() <= 60).mapToInt(ImpairmentModel.Verdict::delayMs).average().orElseThrow();
        assertThat(mean).isBetween(39.0, 41.0);
    }

    private static double meanBurst(List<ImpairmentModel.Verdict> v) {
        int bursts = 0;
        int lost = 0;
        boolean previous = false;
        for (ImpairmentModel.Verdict x : v) {
            if (x.drop()) {
                lost++;
                if (!previous) {
                    bursts++;
                }
            }
            previous = x.drop();
        }
        return (double) lost / bursts;
    }
}
