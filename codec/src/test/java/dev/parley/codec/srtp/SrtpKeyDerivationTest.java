package dev.parley.codec.srtp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class SrtpKeyDerivationTest {
    private static final HexFormat HEX = HexFormat.of();

    /** RFC 3711 Appendix B.3: AES-CM key derivation with a 128-bit master key and 112-bit master salt. */
    @Test
    void derivesTheRfc3711AppendixB3Vectors() {
        byte[] masterKey = HEX.parseHex("e1f97a0d3e018be0d64fa32c06de4139");
        byte[] masterSalt = HEX.parseHex("0ec675ad498afeebb6960b3aabe6");

        assertThat(HEX.formatHex(SrtpKeyDerivation.derive(masterKey, masterSalt, 0x00, 16)))
                .isEqualTo("c61e7a93744f39ee10734afe3ff7a087");
        assertThat(HEX.formatHex(SrtpKeyDerivation.derive(masterKey, masterSalt, 0x02, 14)))
                .isEqualTo("30cbbc08863d8c85d49db34a9ae1");
        // The 160-bit HMAC key spans two AES blocks: counter 0 and 1.
        assertThat(HEX.formatHex(SrtpKeyDerivation.derive(masterKey, masterSalt, 0x01, 20)))
                .isEqualTo("cebe321f6ff7716b6fd4ab49af256a156d38baa4");
    }

    @Test
    void derivesSixteenByteKeysAndTwelveByteSaltsPerLabelForGcm() {
        SrtpMasterKey master = new SrtpMasterKey(HEX.parseHex("e1f97a0d3e018be0d64fa32c06de4139"),
                HEX.parseHex("0ec675ad498afeebb6960b3a"));
        SrtpSessionKeys keys = SrtpKeyDerivation.derive(master);

        // A 96-bit salt is left-aligned in the PRF input block, zeros after it (libsrtp, Pion).
        byte[] key = master.key();
        byte[] salt = master.salt();
        assertThat(keys.rtpKey()).isEqualTo(SrtpKeyDerivation.derive(key, salt, 0x00, 16)).hasSize(16);
        assertThat(keys.rtpSalt()).isEqualTo(SrtpKeyDerivation.derive(key, salt, 0x02, 12)).hasSize(12);
        assertThat(keys.rtcpKey()).isEqualTo(SrtpKeyDerivation.derive(key, salt, 0x03, 16)).hasSize(16);
        assertThat(keys.rtcpSalt()).isEqualTo(SrtpKeyDerivation.derive(key, salt, 0x05, 12)).hasSize(12);
        // Every label yields its own key: SRTP and SRTCP never share a (key, IV) space.
        assertThat(keys.rtpKey()).isNotEqualTo(keys.rtcpKey());
        assertThat(keys.rtpSalt()).isNotEqualTo(keys.rtcpSalt());
        assertThat(Arrays.copyOf(keys.rtpKey(), 12)).isNotEqualTo(keys.rtpSalt());
        assertThat(keys.toString()).doesNotContain(HEX.formatHex(keys.rtpKey()));
    }

    @Test
    void refusesSaltsLongerThanRfc3711Allows() {
        assertThatThrownBy(() -> SrtpKeyDerivation.derive(new byte[16], new byte[15], 0, 16))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("masterSalt: 15 bytes (expected: <= 14)");
    }
}
