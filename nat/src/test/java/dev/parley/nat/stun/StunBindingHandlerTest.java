package dev.parley.nat.stun;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.DatagramPacket;
import java.net.InetSocketAddress;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class StunBindingHandlerTest {
    private static final InetSocketAddress CLIENT = new InetSocketAddress("203.0.113.5", 61000);
    private static final InetSocketAddress SELF = new InetSocketAddress("192.0.2.1", 3478);

    @Test
    void answersBindingRequestsWithXorMappedAddressAndFingerprint() throws Exception {
        EmbeddedChannel ch = new EmbeddedChannel(new StunBindingHandler("parley-test"));
        StunMessage request = StunMessage.bindingRequest(TransactionId.random(new SplittableRandom(3)));
        ch.writeInbound(new DatagramPacket(Unpooled.wrappedBuffer(StunCodec.encode(request, StunSeal.fingerprintOnly())), SELF, CLIENT));
        DatagramPacket out = ch.readOutbound();
        assertThat(out.recipient()).isEqualTo(CLIENT);
        byte[] raw = ByteBufUtil.getBytes(out.content());
        out.release();
        StunMessage response = StunCodec.decode(raw);
        assertThat(response.type()).isEqualTo(StunMessageType.BINDING_SUCCESS);
        assertThat(response.transactionId()).isEqualTo(request.transactionId());
        assertThat(response.attribute(StunAttribute.XorMappedAddress.class).orElseThrow().address()).isEqualTo(CLIENT);
        assertThat(response.attributes().getLast()).isInstanceOf(StunAttribute.Fingerprint.class);
        assertThat((Object) ch.readInbound()).isNull();
        assertThat(ch.finish()).isFalse();
    }

    @Test
    void passesNonStunDatagramsOnUntouched() {
        EmbeddedChannel ch = new EmbeddedChannel(new StunBindingHandler("parley-test"));
        byte[] rtp = new byte[172];
        rtp[0] = (byte) 0x80;
        DatagramPacket packet = new DatagramPacket(Unpooled.wrappedBuffer(rtp), SELF, CLIENT);
        ch.writeInbound(packet);
        DatagramPacket passed = ch.readInbound();
        assertThat(passed).isSameAs(packet);
        assertThat(ByteBufUtil.getBytes(passed.content())).isEqualTo(rtp);
        passed.release();
        // a Binding *response* is not answered either (it belongs to someone's client transaction)
        byte[] response = StunCodec.encode(new StunMessage(StunMessageType.BINDING_SUCCESS,
                TransactionId.random(new SplittableRandom(4)), List.of()), StunSeal.none());
        ch.writeInbound(new DatagramPacket(Unpooled.wrappedBuffer(response), SELF, CLIENT));
        DatagramPacket r = ch.readInbound();
        assertThat(r).isNotNull();
        r.release();
        assertThat((Object) ch.readOutbound()).isNull();
        ch.finishAndReleaseAll();
    }

    @Test
    void unknownComprehensionRequiredAttributeGets420() throws Exception {
        StunBindingResponder responder = new StunBindingResponder("t");
        StunMessage request = StunMessage.bindingRequest(TransactionId.random(new SplittableRandom(5)),
                new StunAttribute.Unknown(0x7777, new byte[] {1, 2}), new StunAttribute.Unknown(0x8888, new byte[0]));
        StunMessage response = StunCodec.decode(responder.respond(StunCodec.encode(request, StunSeal.none()), CLIENT).orElseThrow());
        assertThat(response.type()).isEqualTo(StunMessageType.BINDING_ERROR);
        assertThat(response.attribute(StunAttribute.ErrorCode.class).orElseThrow().code()).isEqualTo(420);
        assertThat(response.attribute(StunAttribute.UnknownAttributes.class).orElseThrow().types()).containsExactly(0x7777);
    }

    @Test
    void classicRfc3489RequestGetsMappedAddress() {
        // type 0x0001, length 0, 128-bit transaction id without the magic cookie
        byte[] classic = HexFormat.of().parseHex("00010000" + "0123456789abcdef0011223344556677");
        byte[] response = new StunBindingResponder("t").respond(classic, CLIENT).orElseThrow();
        assertThat(HexFormat.of().formatHex(response)).isEqualTo(
                "0101000c" + "0123456789abcdef0011223344556677" + "00010008" + "0001" + "ee48" + "cb007105");
    }
}
