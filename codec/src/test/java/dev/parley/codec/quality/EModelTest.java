package dev.parley.codec.quality;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/** The E-model against the worked values of ITU-T G.107 (06/2015) and G.113 Appendix I. */
class EModelTest {
    @Test
    void defaultParametersGiveR93_2() {
        // G.107 §7.7: "the default values ... result in a rating of R = 93.2".
        assertThat(EModel.rating(EModel.Parameters.DEFAULTS)).isCloseTo(93.2, within(0.05));
        assertThat(EModel.callMos(0, 0, 1)).isCloseTo(EModel.mos(93.2), within(0.005));
    }

    @Test
    void mosFollowsAnnexB() {
        // G.107 Annex B / G.109 Table: R 90 -> 4.34, 80 -> 4.03, 70 -> 3.60, 60 -> 3.10, 50 -> 2.58.
        assertThat(EModel.mos(90)).isCloseTo(4.34, within(0.005));
        assertThat(EModel.mos(80)).isCloseTo(4.03, within(0.01));
        assertThat(EModel.mos(70)).isCloseTo(3.60, within(0.005));
        assertThat(EModel.mos(60)).isCloseTo(3.10, within(0.005));
        assertThat(EModel.mos(50)).isCloseTo(2.58, within(0.005));
        assertThat(EModel.mos(93.2)).isCloseTo(4.41, within(0.005));
        assertThat(EModel.mos(-5)).isEqualTo(1.0);
        assertThat(EModel.mos(120)).isEqualTo(4.5);
    }

    @Test
    void effectiveEquipmentImpairmentFollowsSection7_5() {
        // G.113 Appendix I: G.711 with its Appendix I PLC, Ie = 0, Bpl = 25.1. At 2 % random loss:
        // Ie,eff = 95 * 2 / (2 + 25.1).
        assertThat(EModel.effectiveEquipmentImpairment(0, 2, 1, 25.1)).isCloseTo(95 * 2 / 27.1, within(1e-9));
        // G.729A + VAD (Ie = 11, Bpl = 19) at 2 %: 11 + 84 * 2 / 21 = 19.0.
        assertThat(EModel.effectiveEquipmentImpairment(11, 2, 1, 19)).isCloseTo(19.0, within(1e-9));
        // Bursty loss (BurstR = 2) impairs more than random loss at the same rate.
        assertThat(EModel.effectiveEquipmentImpairment(0, 5, 2, 25.1))
                .isGreaterThan(EModel.effectiveEquipmentImpairment(0, 5, 1, 25.1));
        // R drops by exactly Ie,eff when only loss changes.
        double r0 = EModel.rating(EModel.Parameters.DEFAULTS.withLoss(0, 25.1, 0, 1));
        double r2 = EModel.rating(EModel.Parameters.DEFAULTS.withLoss(0, 25.1, 2, 1));
        assertThat(r0 - r2).isCloseTo(95 * 2 / 27.1, within(1e-9));
    }

    @Test
    void absoluteDelayImpairsOnlyBeyond100Ms() {
        assertThat(EModel.delayImpairmentIdd(50)).isZero();
        assertThat(EModel.delayImpairmentIdd(100)).isZero();
        // Ta = 200 ms: X = 1, Idd = 25 * ((2)^(1/6) - 3 * (1 + 3^-6)^(1/6) + 2).
        double expected = 25 * (Math.pow(2, 1 / 6.0) - 3 * Math.pow(1 + Math.pow(1 / 3.0, 6), 1 / 6.0) + 2);
        assertThat(EModel.delayImpairmentIdd(200)).isCloseTo(expected, within(1e-9));
        double previous = 5;
        for (int ms = 0; ms <= 600; ms += 50) {
            double mos = EModel.callMos(ms, 0, 1);
            assertThat(mos).isLessThanOrEqualTo(previous);
            previous = mos;
        }
        // G.114: up to 150 ms one-way is "good"; the model stays above 4.0 there and falls well below at 400 ms.
        assertThat(EModel.callMos(150, 0, 1)).isGreaterThan(4.0);
        assertThat(EModel.callMos(400, 0, 1)).isLessThan(3.8);
    }

    @Test
    void rejectsNonsense() {
        assertThatThrownBy(() -> EModel.rating(EModel.Parameters.DEFAULTS.withLoss(0, 25.1, -1, 1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("eModel: ");
        assertThatThrownBy(() -> EModel.rating(EModel.Parameters.DEFAULTS.withLoss(0, 25.1, 1, 0.5)))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
