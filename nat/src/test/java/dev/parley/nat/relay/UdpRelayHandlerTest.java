package dev.parley.nat.relay;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.nat.sim.VirtualTime;
import dev.parley.nat.stun.StunAttribute;
import dev.parley.nat.stun.StunCodec;
import dev.parley.nat.stun.StunMessage;
import dev.parley.nat.stun.StunMessageType;
import dev.parley.nat.stun.TransactionId;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.DatagramPacket;
import java.net.InetSocketAddress;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class UdpRelayHandlerTest {
    private static final InetSocketAddress RELAY = new InetSocketAddress("10.99.0.11", 3479);
    private static final InetSocketAddress ALICE = new InetSocketAddress("10.99.0.41", 50001);
    private static final InetSocketAddress BOB = new InetSocketAddress("10.99.0.42", 50002);
    private static final InetSocketAddress MALLORY = new InetSocketAddress("10.99.0.66", 666);

    private final RelayAllocationTable table = new RelayAllocationTable(new VirtualTime(), new SplittableRandom(2), RelayAllocationTable.Limits.DEFAULTS);
    private final UdpRelayHandler handler = new UdpRelayHandler(table);
    private final EmbeddedChannel ch = new EmbeddedChannel(handler);
    private final SplittableRandom random = new SplittableRandom(3);

    @Test
    void bindsWithTokensThenForwardsOpaqueDatagramsWithoutCopying() throws Exception {
        RelayAllocation a = table.allocate("alice", "c1");
        assertThat(bind(a.callerToken(), a.callerKey(), ALICE).type()).isEqualTo(StunMessageType.BINDING_SUCCESS);
        StunMessage ok = bind(a.calleeToken(), a.calleeKey(), BOB);
        assertThat(ok.attribute(StunAttribute.XorMappedAddress.class).orElseThrow().address()).isEqualTo(BOB);

        byte[] rtp = new byte[172];
        random.nextBytes(rtp);
        rtp[0] = (byte) 0x80;
        ByteBuf in = Unpooled.wrappedBuffer(rtp);
        ch.writeInbound(new DatagramPacket(in, RELAY, ALICE));
        DatagramPacket out = ch.readOutbound();
        assertThat(out.recipient()).isEqualTo(BOB);
        assertThat(out.content()).isSameAs(in);
        assertThat(ByteBufUtil.getBytes(out.content())).isEqualTo(rtp);
        out.release();
        assertThat(handler.forwarded()).isEqualTo(1);
    }

    @Test
    void refusesUnknownSourcesAndUnknownTokens() throws Exception {
        RelayAllocation a = table.allocate("alice", "c1");
        bind(a.callerToken(), a.callerKey(), ALICE);
        bind(a.calleeToken(), a.calleeKey(), BOB);
        ByteBuf spoof = Unpooled.wrappedBuffer(new byte[] {(byte) 0x80, 1, 2, 3});
        ch.writeInbound(new DatagramPacket(spoof, RELAY, MALLORY));
        assertThat((Object) ch.readOutbound()).isNull();
        assertThat(spoof.refCnt()).isZero();
        assertThat(handler.refused()).isEqualTo(1);
        StunMessage denied = bind(new byte[16], new byte[16], MALLORY);
        assertThat(denied.type()).isEqualTo(StunMessageType.BINDING_ERROR);
        assertThat(denied.attribute(StunAttribute.ErrorCode.class).orElseThrow().code()).isEqualTo(401);
        assertThat(table.route(MALLORY, 100)).isEqualTo(RelayRoute.UNKNOWN);
        assertThat(ch.finishAndReleaseAll()).isFalse();
    }

    private StunMessage bind(byte[] token, byte[] key, InetSocketAddress from) throws Exception {
        StunMessage req = StunMessage.bindingRequest(TransactionId.random(random), new StunAttribute.RelayToken(token));
        ch.writeInbound(new DatagramPacket(Unpooled.wrappedBuffer(StunCodec.encode(req, UdpRelay.bindSeal(key))), RELAY, from));
        DatagramPacket out = ch.readOutbound();
        assertThat(out.recipient()).isEqualTo(from);
        byte[] raw = ByteBufUtil.getBytes(out.content());
        out.release();
        StunMessage m = StunCodec.decode(raw);
        assertThat(m.transactionId()).isEqualTo(req.transactionId());
        return m;
    }
}
