package dev.parley.codec.srtp;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ReplayWindowTest {

    @Test
    void estimatesTheIndexAcrossTheSequenceWrapBothWays() {
        assertThat(SrtpIndex.estimate(-1, 65_535)).isEqualTo(65_535); // a stream starts at ROC 0
        assertThat(SrtpIndex.estimate(65_535, 0)).isEqualTo(65_536); // wrapped forward: ROC 1
        assertThat(SrtpIndex.estimate(65_536 + 3, 65_530)).isEqualTo(65_530); // late packet of ROC 0
        assertThat(SrtpIndex.estimate(5 * 65_536 + 40_000, 40_000 - 32_768)).isEqualTo(5 * 65_536 + 7_232);
        assertThat(SrtpIndex.estimate(5 * 65_536 + 40_000, 40_000 - 32_769)).isEqualTo(6 * 65_536 + 7_231);
        assertThat(SrtpIndex.estimate(100, 65_000)).isEqualTo(-1); // before the stream's first index
        assertThat(SrtpIndex.estimate(SrtpIndex.MAX, 0)).isEqualTo(-1); // past 2^48
    }

    @Test
    void acceptsEachIndexOnceWithinSixtyFourAndNothingOlder() {
        ReplayWindow window = new ReplayWindow();
        assertThat(window.isReplay(0)).isFalse();
        window.accept(1000);
        assertThat(window.isReplay(1000)).isTrue();
        assertThat(window.isReplay(999)).isFalse();
        assertThat(window.isReplay(1000 - ReplayWindow.SIZE + 1)).isFalse();
        assertThat(window.isReplay(1000 - ReplayWindow.SIZE)).isTrue();
        window.accept(990);
        assertThat(window.isReplay(990)).isTrue();
        window.accept(1005); // shifts by 5: 1000 and 990 are still remembered
        assertThat(window.isReplay(1000)).isTrue();
        assertThat(window.isReplay(990)).isTrue();
        assertThat(window.isReplay(991)).isFalse();
        window.accept(1005 + 200); // a jump beyond the window forgets everything below it
        assertThat(window.highest()).isEqualTo(1205);
        assertThat(window.isReplay(1205 - 1)).isFalse();
        assertThat(window.isReplay(1005)).isTrue();
    }
}
