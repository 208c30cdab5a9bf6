package dev.parley.nat.stun;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class StunCodecTest {
    private static final byte[] KEY = Rfc5769Vectors.PASSWORD.getBytes(StandardCharsets.UTF_8);
    private static final byte[] RFC_TXID = {(byte) 0xb7, (byte) 0xe7, (byte) 0xa7, 0x01, (byte) 0xbc, 0x34,
        (byte) 0xd6, (byte) 0x86, (byte) 0xfa, (byte) 0x87, (byte) 0xdf, (byte) 0xae};

    @Test
    void rfc5769SampleRequestDecodesAndAuthenticates() throws Exception {
        byte[] raw = Rfc5769Vectors.bytes(Rfc5769Vectors.REQUEST);
        assertThat(raw).hasSize(108);
        StunMessage m = StunCodec.decode(raw);
        assertThat(m.type()).isEqualTo(StunMessageType.BINDING_REQUEST);
        assertThat(m.transactionId()).isEqualTo(TransactionId.of(RFC_TXID));
        assertThat(m.attribute(StunAttribute.Software.class).orElseThrow().description()).isEqualTo("STUN test client");
        assertThat(m.attribute(StunAttribute.Priority.class).orElseThrow().priority()).isEqualTo(0x6e0001ffL);
        assertThat(m.attribute(StunAttribute.IceControlled.class).orElseThrow().tieBreaker()).isEqualTo(0x932ff9b151263b36L);
        assertThat(m.attribute(StunAttribute.Username.class).orElseThrow().name()).isEqualTo(Rfc5769Vectors.USERNAME);
        assertThat(m.attributes().getLast()).isInstanceOf(StunAttribute.Fingerprint.class);
        assertThat(StunCodec.verifyIntegrity(raw, KEY)).isTrue();
        assertThat(StunCodec.verifyIntegrity(raw, "wrong".getBytes(StandardCharsets.UTF_8))).isFalse();
    }

    @Test
    void rfc5769Ipv4ResponseDecodesToTheDocumentedAddress() throws Exception {
        byte[] raw = Rfc5769Vectors.bytes(Rfc5769Vectors.IPV4_RESPONSE);
        StunMessage m = StunCodec.decode(raw);
        assertThat(m.type()).isEqualTo(StunMessageType.BINDING_SUCCESS);
        assertThat(m.attribute(StunAttribute.Software.class).orElseThrow().description()).isEqualTo("test vector");
        assertThat(m.attribute(StunAttribute.XorMappedAddress.class).orElseThrow().address())
                .isEqualTo(new InetSocketAddress(InetAddress.getByName("192.0.2.1"), 32853));
        assertThat(StunCodec.verifyIntegrity(raw, KEY)).isTrue();
    }

    @Test
    void rfc5769Ipv6ResponseDecodesToTheDocumentedAddress() throws Exception {
        byte[] raw = Rfc5769Vectors.bytes(Rfc5769Vectors.IPV6_RESPONSE);
        StunMessage m = StunCodec.decode(raw);
        assertThat(m.attribute(StunAttribute.XorMappedAddress.class).orElseThrow().address())
                .isEqualTo(new InetSocketAddress(InetAddress.getByName("2001:db8:1234:5678:11:2233:4455:6677"), 32853));
        assertThat(StunCodec.verifyIntegrity(raw, KEY)).isTrue();
    }

    @Test
    void encoderReproducesTheRfcVectorsExceptTheirSpacePadding() throws Exception {
        for (String vector : List.of(Rfc5769Vectors.REQUEST, Rfc5769Vectors.IPV4_RESPONSE, Rfc5769Vectors.IPV6_RESPONSE)) {
            byte[] raw = Rfc5769Vectors.bytes(vector);
            // RFC 5769 pads with 0x20 to catch receivers that check padding; re-pad with zeros as an encoder does.
            byte[] zeroPadded = raw.clone();
            StunMessage m = StunCodec.decode(raw);
            List<StunAttribute> plain = m.attributes().stream()
                    .filter(a -> !(a instanceof StunAttribute.MessageIntegrity || a instanceof StunAttribute.Fingerprint)).toList();
            byte[] encoded = StunCodec.encode(new StunMessage(m.type(), m.transactionId(), plain), StunSeal.shortTerm(Rfc5769Vectors.PASSWORD));
            assertThat(encoded).hasSameSizeAs(raw);
            int miOffset = encoded.length - 8 - 24;
            zeroPadSpaces(zeroPadded, miOffset);
            assertThat(Arrays.copyOf(encoded, miOffset)).isEqualTo(Arrays.copyOf(zeroPadded, miOffset));
            assertThat(StunCodec.verifyIntegrity(encoded, KEY)).isTrue();
            assertThat(StunCodec.decode(encoded).attributes().subList(0, plain.size())).isEqualTo(plain);
        }
    }

    @Test
    void corruptedFingerprintedMessageIsRejected() {
        byte[] raw = Rfc5769Vectors.bytes(Rfc5769Vectors.IPV4_RESPONSE);
        raw[25] ^= 0x01; // a letter of SOFTWARE
        assertThatThrownBy(() -> StunCodec.decode(raw)).isInstanceOf(StunDecodeException.class).hasMessageStartingWith("fingerprint: 0x");
    }

    @Test
    void boundsAndHeaderErrorsAreTyped() {
        assertThatThrownBy(() -> StunCodec.decode(new byte[7])).isInstanceOf(StunDecodeException.class)
                .hasMessage("stunMessage: 7 bytes (expected: >= 20)");
        byte[] request = Rfc5769Vectors.bytes(Rfc5769Vectors.REQUEST);
        assertThatThrownBy(() -> StunCodec.decode(request, 100)).hasMessage("stunMessage: 108 bytes (expected: <= 100)");
        byte[] rtp = request.clone();
        rtp[0] = (byte) 0x80;
        assertThatThrownBy(() -> StunCodec.decode(rtp)).hasMessage("firstByte: 0x80 (expected: 0x00..0x3f)");
        byte[] badCookie = request.clone();
        badCookie[4] = 0;
        assertThatThrownBy(() -> StunCodec.decode(badCookie)).hasMessage("magicCookie: 0x0012a442 (expected: 0x2112a442)");
        byte[] truncated = Arrays.copyOf(request, 104);
        assertThatThrownBy(() -> StunCodec.decode(truncated)).hasMessage("messageLength: 88 (expected: 84, a multiple of 4)");
    }

    @Test
    void messageTypesInterleaveMethodAndClassBits() {
        assertThat(StunMessageType.BINDING_REQUEST.wireValue()).isEqualTo(0x0001);
        assertThat(StunMessageType.BINDING_INDICATION.wireValue()).isEqualTo(0x0011);
        assertThat(StunMessageType.BINDING_SUCCESS.wireValue()).isEqualTo(0x0101);
        assertThat(StunMessageType.BINDING_ERROR.wireValue()).isEqualTo(0x0111);
        for (int method = 0; method <= 0xfff; method += 0x101) {
            for (StunClass c : StunClass.values()) {
                StunMessageType t = new StunMessageType(method, c);
                assertThat(StunMessageType.fromWire(t.wireValue())).isEqualTo(t);
            }
        }
    }

    private static void zeroPadSpaces(byte[] raw, int end) {
        int pos = StunCodec.HEADER_BYTES;
        while (pos < end) {
            int len = ((raw[pos + 2] & 0xff) << 8) | (raw[pos + 3] & 0xff);
            for (int i = pos + 4 + len; i < pos + 4 + ((len + 3) & ~3); i++) {
                raw[i] = 0;
            }
            pos += 4 + ((len + 3) & ~3);
        }
    }
}
