package dev.parley.nat.relay;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.nat.sim.VirtualTime;
import dev.parley.nat.stun.StunAttribute;
import dev.parley.nat.stun.StunCodec;
import dev.parley.nat.stun.StunMessage;
import dev.parley.nat.stun.StunMessageType;
import dev.parley.nat.stun.StunSeal;
import dev.parley.nat.stun.TransactionId;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.DatagramPacket;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Attacks on a latched allocation by someone who saw the relay tokens on the wire (docs/security.md
 * "Relays you can't steal"): the stream is neither stolen nor redirected, and what the attacker
 * (or a spoofed victim) gets back is never larger than what it sent.
 */
class RelayTheftTest {
    private static final InetSocketAddress RELAY = new InetSocketAddress("10.0.0.9", 4000);
    private static final InetSocketAddress ALICE = new InetSocketAddress("10.0.0.1", 5000);
    private static final InetSocketAddress BOB = new InetSocketAddress("10.0.0.2", 6000);
    private static final InetSocketAddress MALLORY = new InetSocketAddress("10.6.6.6", 666);
    private static final InetSocketAddress VICTIM = new InetSocketAddress("10.7.7.7", 777);

    private final SplittableRandom random = new SplittableRandom(10);
    private final MediaRelay relay = new MediaRelay(new RelayAllocationTable(new VirtualTime(), random.split(),
            RelayAllocationTable.Limits.DEFAULTS));
    private final EmbeddedChannel ch = new EmbeddedChannel(relay.handler());
    private RelayAllocation a;
    private byte[] bobsBind;

    @BeforeEach
    void twoLatchedParties() throws Exception {
        var f = relay.allocate("alice", "c1");
        ch.runPendingTasks();
        a = f.get(1, TimeUnit.SECONDS);
        assertThat(answer(ALICE, bind(a.callerToken(), UdpRelay.bindSeal(a.callerKey()))).type())
                .isEqualTo(StunMessageType.BINDING_SUCCESS);
        bobsBind = bind(a.calleeToken(), UdpRelay.bindSeal(a.calleeKey())); // what an eavesdropper captures
        assertThat(answer(BOB, bobsBind).type()).isEqualTo(StunMessageType.BINDING_SUCCESS);
    }

    @AfterEach
    void close() {
        ch.finishAndReleaseAll();
    }

    @Test
    void aThirdSocketWithTheTokenCannotStealTheStream() {
        List<DatagramPacket> toMallory = new ArrayList<>();
        byte[] tokenOnly = bind(a.calleeToken(), StunSeal.fingerprintOnly());
        byte[] guessedKey = new byte[16];
        random.nextBytes(guessedKey);
        byte[] wrongKey = bind(a.calleeToken(), UdpRelay.bindSeal(guessedKey));
        for (byte[] attempt : List.of(tokenOnly, wrongKey, a.callerToken())) {
            receive(MALLORY, attempt);
            toMallory.addAll(drain());
        }
        receive(MALLORY, rtp(9));
        toMallory.addAll(drain());

        assertThat(toMallory).as("what Mallory gets: at most a 401 no larger than its request").hasSizeLessThanOrEqualTo(2)
                .allSatisfy(p -> {
                    assertThat(p.recipient()).isEqualTo(MALLORY);
                    assertThat(p.content().readableBytes()).isLessThanOrEqualTo(tokenOnly.length);
                    assertThat(decode(p).type()).isEqualTo(StunMessageType.BINDING_ERROR);
                });
        toMallory.forEach(DatagramPacket::release);
        assertPartiesStillTalk();
    }

    @Test
    void aSpoofedOrReplayedBindCannotRedirectTheStream() {
        receive(VICTIM, bind(a.calleeToken(), StunSeal.fingerprintOnly()));
        receive(VICTIM, bobsBind); // Bob's own bind, captured and replayed from another source
        List<DatagramPacket> toVictim = drain();
        assertThat(toVictim).as("the victim gets only 401s, each no larger than the spoofed request").hasSize(2)
                .allSatisfy(p -> {
                    assertThat(p.recipient()).isEqualTo(VICTIM);
                    assertThat(p.content().readableBytes()).isLessThanOrEqualTo(bobsBind.length);
                    assertThat(decode(p).attribute(StunAttribute.ErrorCode.class).orElseThrow().code()).isEqualTo(401);
                });
        toVictim.forEach(DatagramPacket::release);
        assertPartiesStillTalk();
    }

    @Test
    void aBindWithTheKeyFromANewAddressMovesTheParty() {
        InetSocketAddress rebound = new InetSocketAddress("10.0.0.2", 6001); // Bob's NAT rebinding
        assertThat(answer(rebound, bind(a.calleeToken(), UdpRelay.bindSeal(a.calleeKey()))).type())
                .isEqualTo(StunMessageType.BINDING_SUCCESS);
        receive(ALICE, rtp(1));
        List<DatagramPacket> out = drain();
        assertThat(out).extracting(DatagramPacket::recipient).containsExactly(rebound);
        out.forEach(DatagramPacket::release);
    }

    @Test
    void aRefusalLargerThanTheBindIsNotSent() {
        byte[] tiny = StunCodec.encode(StunMessage.bindingRequest(TransactionId.random(random),
                new StunAttribute.RelayToken(new byte[] {1})), StunSeal.none());
        receive(VICTIM, tiny);
        assertThat(drain()).as("a 401 would be larger than the %d-byte request", tiny.length).isEmpty();
    }

    private void assertPartiesStillTalk() {
        receive(ALICE, rtp(1));
        receive(BOB, rtp(2));
        List<DatagramPacket> out = drain();
        assertThat(out).extracting(DatagramPacket::recipient).containsExactly(BOB, ALICE);
        assertThat(ByteBufUtil.getBytes(out.get(0).content())).isEqualTo(rtp(1));
        out.forEach(DatagramPacket::release);
    }

    private byte[] bind(byte[] token, StunSeal seal) {
        return StunCodec.encode(StunMessage.bindingRequest(TransactionId.random(random), new StunAttribute.RelayToken(token)), seal);
    }

    private void receive(InetSocketAddress from, byte[] payload) {
        ch.writeInbound(new DatagramPacket(Unpooled.wrappedBuffer(payload), RELAY, from));
        ch.flushOutbound();
        for (Object passed; (passed = ch.readInbound()) != null; ) {
            ((DatagramPacket) passed).release(); // not the relay's: the STUN server behind would see it
        }
    }

    private StunMessage answer(InetSocketAddress from, byte[] request) {
        receive(from, request);
        List<DatagramPacket> out = drain();
        assertThat(out).hasSize(1);
        StunMessage m = decode(out.get(0));
        out.forEach(DatagramPacket::release);
        return m;
    }

    private List<DatagramPacket> drain() {
        List<DatagramPacket> out = new ArrayList<>();
        for (DatagramPacket p; (p = ch.readOutbound()) != null; ) {
            out.add(p);
        }
        return out;
    }

    private static StunMessage decode(DatagramPacket p) {
        try {
            return StunCodec.decode(ByteBufUtil.getBytes(p.content()));
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static byte[] rtp(int seq) {
        return new byte[] {(byte) 0x80, 111, 0, (byte) seq, 0, 0, 0, 0, 0, 0, 0, 1};
    }
}
