package dev.parley.nat.relay;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.nat.stun.StunAttribute;
import dev.parley.nat.stun.StunCodec;
import dev.parley.nat.stun.StunMessage;
import dev.parley.nat.stun.StunMessageType;
import dev.parley.nat.stun.StunSeal;
import dev.parley.nat.stun.TransactionId;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.DatagramPacket;
import java.net.InetSocketAddress;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class MediaRelayTest {
    private static final InetSocketAddress ALICE = new InetSocketAddress("10.0.0.1", 5000);
    private static final InetSocketAddress BOB = new InetSocketAddress("10.0.0.2", 6000);
    private static final InetSocketAddress RELAY = new InetSocketAddress("10.0.0.9", 4000);
    private final SplittableRandom random = new SplittableRandom(7);
    private final MediaRelay relay = new MediaRelay(new RelayAllocationTable(InstantSource.system(), random,
            new RelayAllocationTable.Limits(2, 10, 60_000)));
    private final EmbeddedChannel ch = new EmbeddedChannel(relay.handler());

    @AfterEach
    void close() {
        ch.finishAndReleaseAll();
    }

    private RelayAllocation allocate() throws Exception {
        var f = relay.allocate("alice", "c1");
        ch.runPendingTasks();
        return f.get(1, TimeUnit.SECONDS);
    }

    private void receive(InetSocketAddress from, byte[] payload) {
        ch.writeInbound(new DatagramPacket(Unpooled.wrappedBuffer(payload), RELAY, from));
    }

    private byte[] bind(byte[] token, byte[] key) {
        return StunCodec.encode(StunMessage.bindingRequest(TransactionId.random(random), new StunAttribute.RelayToken(token)),
                UdpRelay.bindSeal(key));
    }

    private DatagramPacket out() {
        return ch.readOutbound();
    }

    private static byte[] rtp(int seq) {
        return new byte[] {(byte) 0x80, 111, 0, (byte) seq, 0, 0, 0, 0, 0, 0, 0, 1};
    }

    @Test
    void latchedPartiesReachOnlyEachOtherAndPlainStunPassesOn() throws Exception {
        RelayAllocation a = allocate();
        receive(ALICE, bind(a.callerToken(), a.callerKey()));
        DatagramPacket r = out();
        assertThat(r.recipient()).isEqualTo(ALICE);
        assertThat(StunCodec.decode(ByteBufUtil.getBytes(r.content())).type()).isEqualTo(StunMessageType.BINDING_SUCCESS);
        r.release();
        receive(BOB, bind(a.calleeToken(), a.calleeKey()));
        out().release();

        receive(ALICE, rtp(1));
        DatagramPacket fwd = out();
        assertThat(fwd.recipient()).isEqualTo(BOB);
        assertThat(ByteBufUtil.getBytes(fwd.content())).isEqualTo(rtp(1));
        fwd.release();
        receive(BOB, rtp(2));
        fwd = out();
        assertThat(fwd.recipient()).isEqualTo(ALICE);
        fwd.release();

        // a plain Binding request (srflx gathering) from a latched source is for the STUN server behind
        byte[] plain = StunCodec.encode(StunMessage.bindingRequest(TransactionId.random(random)), StunSeal.fingerprintOnly());
        receive(ALICE, plain);
        assertThat((Object) out()).isNull();
        DatagramPacket passed = ch.readInbound();
        assertThat(passed.sender()).isEqualTo(ALICE);
        passed.release();

        // a stranger cannot use the relay, and a forged token is refused with 401
        receive(new InetSocketAddress("10.6.6.6", 1), rtp(3));
        assertThat((Object) out()).isNull();
        ((DatagramPacket) ch.readInbound()).release();
        receive(new InetSocketAddress("10.6.6.6", 1), bind(new byte[16], new byte[16]));
        DatagramPacket refusal = out();
        assertThat(StunCodec.decode(ByteBufUtil.getBytes(refusal.content())).type()).isEqualTo(StunMessageType.BINDING_ERROR);
        refusal.release();
        assertThat(relay.forwarded()).isEqualTo(2);
        assertThat(relay.forwardedBytes()).isEqualTo(2L * rtp(1).length); // the stranger's packet not counted
    }

    @Test
    void tcpPartyExchangesPacketsWithUdpPartyAndQuotaHolds() throws Exception {
        RelayAllocation a = allocate();
        InetSocketAddress tcpBob = new InetSocketAddress("10.0.0.2", 40000);
        List<ByteBuf> toBob = new ArrayList<>();
        var bound = relay.bindTcp(a.calleeToken(), a.calleeKey(), tcpBob, toBob::add);
        ch.runPendingTasks();
        assertThat(bound.get(1, TimeUnit.SECONDS)).isTrue();
        var forged = relay.bindTcp(new byte[16], new byte[16], new InetSocketAddress("10.6.6.6", 2), b -> { });
        ch.runPendingTasks();
        assertThat(forged.get(1, TimeUnit.SECONDS)).isFalse();
        receive(ALICE, bind(a.callerToken(), a.callerKey()));
        out().release();

        receive(ALICE, rtp(1));
        assertThat(toBob).hasSize(1);
        assertThat(ByteBufUtil.getBytes(toBob.get(0))).isEqualTo(rtp(1));
        toBob.forEach(ByteBuf::release);
        relay.fromTcp(tcpBob, Unpooled.wrappedBuffer(rtp(2)));
        ch.runPendingTasks();
        DatagramPacket fwd = out();
        assertThat(fwd.recipient()).isEqualTo(ALICE);
        fwd.release();

        allocate();
        var third = relay.allocate("alice", "c1");
        ch.runPendingTasks();
        assertThat(third).isCompletedExceptionally();
        relay.releaseAll("alice");
        var size = relay.size();
        ch.runPendingTasks();
        assertThat(size.get(1, TimeUnit.SECONDS)).isZero();
    }
}
