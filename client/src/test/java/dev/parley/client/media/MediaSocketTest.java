package dev.parley.client.media;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.nat.sim.SimNetwork;
import dev.parley.nat.sim.VirtualTime;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The media socket's RFC 7983 demultiplexing and its early-media hold, on the simulated network. */
class MediaSocketTest {
    private final VirtualTime time = new VirtualTime();
    private final SimNetwork net = new SimNetwork(time, 5);
    private final SimNetwork.Socket peer = net.publicSocket("10.1.0.1", 40000);
    private final MediaSocket socket = new MediaSocket(new SimPort(net.publicSocket("10.1.0.2", 40001), time));
    private final List<Integer> media = new ArrayList<>();

    private void sendRtp(int seq) {
        peer.send(socket.localAddress(), ByteBuffer.allocate(12).put((byte) 0x80).put((byte) 111).putShort((short) seq)
                .putInt(0).putInt(7).array());
    }

    private void openMedia() {
        socket.openMedia((from, p) -> media.add(ByteBuffer.wrap(p).getShort(2) & 0xffff));
        time.advance(1);
    }

    @Test
    void mediaArrivingBeforeSelectionIsHeldAndReplayedInOrder() {
        sendRtp(1);
        sendRtp(2);
        sendRtp(3);
        time.advance(10);
        assertThat(media).as("nothing passes before media opens").isEmpty();

        openMedia();
        sendRtp(4);
        time.advance(10);
        assertThat(media).containsExactly(1, 2, 3, 4);
        assertThat(socket.dropped()).isZero();
    }

    @Test
    void earlyBacklogIsBoundedAndKeepsTheNewestPackets() {
        for (int i = 0; i < MediaSocket.MAX_EARLY_PACKETS + 3; i++) {
            sendRtp(i);
        }
        time.advance(10);
        assertThat(socket.dropped()).isEqualTo(3);
        openMedia();
        assertThat(media).hasSize(MediaSocket.MAX_EARLY_PACKETS).first().isEqualTo(3);
        assertThat(media).last().isEqualTo(MediaSocket.MAX_EARLY_PACKETS + 2);
    }

    @Test
    void stunGoesToHandlersAndOtherBytesAreDropped() {
        List<byte[]> stun = new ArrayList<>();
        socket.addStunHandler((from, payload) -> stun.add(payload));
        byte[] binding = new byte[20];
        binding[1] = 1; // Binding request type 0x0001
        peer.send(socket.localAddress(), binding);
        peer.send(socket.localAddress(), new byte[] {(byte) 0x40, 1, 2}); // TURN channel range
        peer.send(socket.localAddress(), new byte[0]);
        time.advance(10);
        assertThat(stun).hasSize(1);
        assertThat(socket.dropped()).isEqualTo(2);
        assertThat(media).isEmpty();
    }

    @Test
    void everythingForTheTcpRelayGoesOverTheLinkAndItsPacketsComeBackAsTheRelays() {
        InetSocketAddress relay = new InetSocketAddress("10.1.0.9", 3478);
        List<byte[]> overTcp = new ArrayList<>();
        socket.useTcpRelay(relay, overTcp::add);
        List<InetSocketAddress> sources = new ArrayList<>();
        socket.openMedia((from, p) -> sources.add(from));
        socket.send(relay, new byte[] {(byte) 0x80, 111});
        socket.send(peer.localAddress(), new byte[] {(byte) 0x80, 111});
        socket.receiveFromTcpRelay(new byte[] {(byte) 0x80, 111, 0, 1});
        time.advance(10);
        assertThat(overTcp).hasSize(1);
        assertThat(peer.unhandled).hasSize(1);
        assertThat(sources).containsExactly(relay);
    }
}
