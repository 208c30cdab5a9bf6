package dev.parley.client.media;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.DatagramPacket;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class IceGateTest {
    private static final InetSocketAddress PEER = new InetSocketAddress("127.0.0.1", 40000);
    private static final InetSocketAddress SELF = new InetSocketAddress("127.0.0.1", 40001);

    private static DatagramPacket rtp(int seq) {
        ByteBuf b = Unpooled.buffer(12).writeByte(0x80).writeByte(111).writeShort(seq).writeInt(0).writeInt(7);
        return new DatagramPacket(b, SELF, PEER);
    }

    private static int seqOf(DatagramPacket p) {
        return p.content().getUnsignedShort(2);
    }

    @Test
    void mediaArrivingBeforeSelectionIsHeldAndReplayedInOrder() {
        IceGate gate = new IceGate();
        EmbeddedChannel ch = new EmbeddedChannel(gate);
        ch.writeInbound(rtp(1), rtp(2), rtp(3));
        assertThat((Object) ch.readInbound()).as("nothing passes before media opens").isNull();

        gate.openMedia();
        ch.runPendingTasks();
        ch.writeInbound(rtp(4));

        List<Integer> seqs = new ArrayList<>();
        DatagramPacket p;
        while ((p = ch.readInbound()) != null) {
            seqs.add(seqOf(p));
            p.release();
        }
        assertThat(seqs).containsExactly(1, 2, 3, 4);
        assertThat(gate.dropped()).isZero();
        assertThat(ch.finish()).isFalse();
    }

    @Test
    void earlyBacklogKeepsTheNewestPackets() {
        IceGate gate = new IceGate();
        EmbeddedChannel ch = new EmbeddedChannel(gate);
        for (int i = 0; i < IceGate.MAX_EARLY_PACKETS + 3; i++) {
            ch.writeInbound(rtp(i));
        }
        gate.openMedia();
        ch.runPendingTasks();
        List<Integer> seqs = new ArrayList<>();
        DatagramPacket p;
        while ((p = ch.readInbound()) != null) {
            seqs.add(seqOf(p));
            p.release();
        }
        assertThat(seqs).hasSize(IceGate.MAX_EARLY_PACKETS).first().isEqualTo(3);
        assertThat(seqs).last().isEqualTo(IceGate.MAX_EARLY_PACKETS + 2);
        assertThat(gate.dropped()).isEqualTo(3);
        assertThat(ch.finish()).isFalse();
    }

    @Test
    void earlyBacklogIsBoundedAndReleasedOnClose() {
        IceGate gate = new IceGate();
        EmbeddedChannel ch = new EmbeddedChannel(gate);
        List<DatagramPacket> sent = new ArrayList<>();
        for (int i = 0; i < IceGate.MAX_EARLY_PACKETS + 7; i++) {
            DatagramPacket packet = rtp(i);
            sent.add(packet);
            ch.writeInbound(packet);
        }
        assertThat(gate.dropped()).isEqualTo(7);
        ch.close();
        ch.runPendingTasks();
        assertThat(sent).allSatisfy(packet -> assertThat(packet.refCnt()).as("released").isZero());
    }

    @Test
    void stunGoesToHandlersAndOtherBytesAreDropped() {
        IceGate gate = new IceGate();
        List<byte[]> stun = new ArrayList<>();
        gate.addStunHandler((from, payload) -> stun.add(payload));
        EmbeddedChannel ch = new EmbeddedChannel(gate);
        byte[] binding = new byte[20];
        binding[1] = 1; // Binding request type 0x0001
        ch.writeInbound(new DatagramPacket(Unpooled.wrappedBuffer(binding), SELF, PEER));
        ch.writeInbound(new DatagramPacket(Unpooled.wrappedBuffer(new byte[] {(byte) 0x40, 1, 2}), SELF, PEER)); // TURN channel range
        ch.writeInbound(new DatagramPacket(Unpooled.EMPTY_BUFFER, SELF, PEER));
        assertThat(stun).hasSize(1);
        assertThat(gate.dropped()).isEqualTo(2);
        assertThat((Object) ch.readInbound()).isNull();
        assertThat(ch.finish()).isFalse();
    }
}
