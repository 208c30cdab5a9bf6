package dev.parley.codec.srtp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/**
 * The AEAD_AES_128_GCM examples of RFC 7714 §16, verbatim: session key, session salt, RTP/RTCP
 * plaintext and the SRTP/SRTCP packets. The SRTP packet has SSRC 5501a0b2, ROC 0, SEQ f17b
 * (IV 51753c6580c2726f20718414); the SRTCP packet has SSRC 4d617273 and SRTCP index 5d4.
 */
class SrtpRfc7714VectorsTest {
    private static final HexFormat HEX = HexFormat.of();
    private static final byte[] KEY = hex("00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f");
    private static final byte[] SALT = hex("51 75 69 64 20 70 72 6f 20 71 75 6f");
    private static final byte[] RTP = hex("""
            8040f17b 8041f8d3 5501a0b2 47616c6c
            69612065 7374206f 6d6e6973 20646976
            69736120 696e2070 61727465 73207472
            6573""");
    private static final byte[] SRTP = hex("""
            8040f17b 8041f8d3 5501a0b2 f24de3a3
            fb34de6c acba861c 9d7e4bca be633bd5
            0d294e6f 42a5f47a 51c7d19b 36de3adf
            8833899d 7f27beb1 6a9152cf 765ee439
            0cce""");
    private static final byte[] RTCP = hex("""
            81c8000d 4d617273 4e545031 4e545032
            52545020 0000042a 0000e930 4c756e61
            deadbeef deadbeef deadbeef deadbeef
            deadbeef""");
    private static final byte[] SRTCP = hex("""
            81c8000d 4d617273 63e94885 dcdab67c
            a727d766 2f6b7e99 7ff5c0f7 6c06f32d
            c676a5f1 730d6fda 4ce09b46 86303ded
            0bb9275b c84aa458 96cf4d2f c5abf872
            45d9eade 800005d4""");
    /** The same RTCP packet authenticated only (E=0): plaintext, tag, then 000005d4. */
    private static final byte[] SRTCP_UNENCRYPTED = hex("""
            81c8000d 4d617273 4e545031 4e545032
            52545020 0000042a 0000e930 4c756e61
            deadbeef deadbeef deadbeef deadbeef
            deadbeef 841dd968 3dd78ec9 2ae58790
            125f62b3 000005d4""");
    private static final SrtpSessionKeys SESSION = new SrtpSessionKeys(KEY, SALT, KEY, SALT);

    @Test
    void protectsTheRtpExample() {
        assertThat(HEX.formatHex(new SrtpSender(SESSION, 0).protectRtp(RTP))).isEqualTo(HEX.formatHex(SRTP));
    }

    @Test
    void unprotectsTheSrtpExample() throws SrtpException {
        SrtpReceiver receiver = new SrtpReceiver(SESSION);
        assertThat(HEX.formatHex(receiver.unprotectRtp(SRTP, 0, SRTP.length))).isEqualTo(HEX.formatHex(RTP));
        assertThat(receiver.stats()).isEqualTo(new SrtpStats(1, 0, 0, 0, 0, 0));
    }

    @Test
    void protectsTheRtcpExample() {
        SrtpSender sender = new SrtpSender(SESSION, 0x5d4);
        assertThat(HEX.formatHex(sender.protectRtcp(RTCP))).isEqualTo(HEX.formatHex(SRTCP));
    }

    @Test
    void unprotectsTheSrtcpExample() throws SrtpException {
        SrtpReceiver receiver = new SrtpReceiver(SESSION);
        assertThat(HEX.formatHex(receiver.unprotectRtcp(SRTCP, 0, SRTCP.length))).isEqualTo(HEX.formatHex(RTCP));
        assertThat(receiver.stats()).isEqualTo(new SrtpStats(0, 1, 0, 0, 0, 0));
    }

    @Test
    void refusesTheAuthenticationOnlySrtcpExample() {
        SrtpReceiver receiver = new SrtpReceiver(SESSION);
        assertThatThrownBy(() -> receiver.unprotectRtcp(SRTCP_UNENCRYPTED, 0, SRTCP_UNENCRYPTED.length))
                .isInstanceOf(SrtpException.class)
                .hasMessage("MALFORMED: srtcpE: 0 (expected: 1, unencrypted SRTCP is refused)");
        assertThat(receiver.stats().droppedMalformed()).isEqualTo(1);
    }

    private static byte[] hex(String s) {
        return HEX.parseHex(s.replaceAll("\\s", ""));
    }
}
