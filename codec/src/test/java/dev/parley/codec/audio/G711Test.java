package dev.parley.codec.audio;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** G.711 expansion against the standard's end points and shape (ITU-T G.711 Tables 1a-2b). */
class G711Test {
    @Test
    void muLawEndPointsAndSymmetry() {
        assertThat(G711.muLaw((byte) 0xFF)).isZero();
        assertThat(G711.muLaw((byte) 0x7F)).isZero();
        assertThat(G711.muLaw((byte) 0x80)).isEqualTo(32124);
        assertThat(G711.muLaw((byte) 0x00)).isEqualTo(-32124);
        for (int c = 0; c < 128; c++) {
            assertThat(G711.muLaw((byte) c)).isEqualTo(-G711.muLaw((byte) (c | 0x80)));
        }
        for (int c = 0x80; c < 0xFF; c++) { // positive codes fall in magnitude as the code rises
            assertThat(G711.muLaw((byte) c)).isGreaterThan(G711.muLaw((byte) (c + 1)));
        }
    }

    @Test
    void aLawEndPointsAndSymmetry() {
        assertThat(G711.aLaw((byte) 0xD5)).isEqualTo(8);
        assertThat(G711.aLaw((byte) 0x55)).isEqualTo(-8);
        assertThat(G711.aLaw((byte) 0xAA)).isEqualTo(32256);
        assertThat(G711.aLaw((byte) 0x2A)).isEqualTo(-32256);
        for (int c = 0; c < 128; c++) {
            assertThat(G711.aLaw((byte) c)).isEqualTo(-G711.aLaw((byte) (c | 0x80)));
        }
    }
}
