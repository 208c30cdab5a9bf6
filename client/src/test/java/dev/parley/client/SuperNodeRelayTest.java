package dev.parley.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.parley.client.call.CallListener;
import dev.parley.client.call.IncomingCallPolicy;
import dev.parley.client.call.RelayService;
import dev.parley.nat.relay.UdpRelay;
import dev.parley.nat.stun.StunAttribute;
import dev.parley.nat.stun.StunCodec;
import dev.parley.nat.stun.StunMessage;
import dev.parley.nat.stun.StunMessageType;
import dev.parley.nat.stun.StunSeal;
import dev.parley.nat.stun.TransactionId;
import dev.parley.protocol.HostPort;
import dev.parley.protocol.ProtocolException;
import dev.parley.protocol.wire.ErrorCode;
import dev.parley.protocol.wire.RelayAllocated;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The super node's STUN server, UDP relay and TCP relay on its one port, driven over real sockets. */
class SuperNodeRelayTest {
    @TempDir
    static Path dir;
    static TestOverlay overlay;
    static ParleyClient alice;
    private final SplittableRandom random = new SplittableRandom(11);

    @BeforeAll
    static void start() throws Exception {
        overlay = new TestOverlay(dir, 1);
        alice = overlay.client("alicerelay", 0, (id, c) -> new IncomingCallPolicy.Decline("no"), CallListener.NONE);
    }

    @AfterAll
    static void stop() throws Exception {
        overlay.close();
    }

    private static DatagramSocket socket() throws Exception {
        DatagramSocket s = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
        s.setSoTimeout(5000);
        return s;
    }

    private static byte[] receive(DatagramSocket s) throws Exception {
        DatagramPacket p = new DatagramPacket(new byte[2048], 2048);
        s.receive(p);
        return Arrays.copyOf(p.getData(), p.getLength());
    }

    private static DatagramPacket datagram(byte[] bytes, InetSocketAddress to) {
        return new DatagramPacket(bytes, bytes.length, to);
    }

    private byte[] request(StunAttribute... attributes) {
        return StunCodec.encode(StunMessage.bindingRequest(TransactionId.random(random), attributes), StunSeal.fingerprintOnly());
    }

    private byte[] bind(ByteString token, ByteString key) {
        return StunCodec.encode(StunMessage.bindingRequest(TransactionId.random(random), new StunAttribute.RelayToken(token.toByteArray())),
                UdpRelay.bindSeal(key.toByteArray()));
    }

    @Test
    void stunAndUdpRelayShareTheSuperNodePortAndQuotasHold() throws Exception {
        RelayAllocated a = alice.session().allocateRelay("call-1").get(5, TimeUnit.SECONDS);
        InetSocketAddress relay = new InetSocketAddress(a.getRelay().getHost(), a.getRelay().getPort());
        assertThat(HostPort.of(a.getRelay())).isEqualTo(alice.superNode());
        try (DatagramSocket caller = socket(); DatagramSocket callee = socket()) {
            // plain STUN: the super node's STUN server answers with the mapped address
            caller.send(datagram(request(), relay));
            StunMessage mapped = StunCodec.decode(receive(caller));
            assertThat(mapped.attribute(StunAttribute.XorMappedAddress.class).orElseThrow().address().getPort())
                    .isEqualTo(caller.getLocalPort());
            // relay binds latch both parties; RTP then flows between them only
            caller.send(datagram(bind(a.getCallerToken(), a.getCallerKey()), relay));
            callee.send(datagram(bind(a.getCalleeToken(), a.getCalleeKey()), relay));
            assertThat(StunCodec.decode(receive(caller)).type()).isEqualTo(StunMessageType.BINDING_SUCCESS);
            assertThat(StunCodec.decode(receive(callee)).type()).isEqualTo(StunMessageType.BINDING_SUCCESS);
            byte[] rtp = {(byte) 0x80, 111, 0, 1, 0, 0, 0, 0, 0, 0, 0, 7, 42};
            caller.send(new DatagramPacket(rtp, rtp.length, relay));
            assertThat(receive(callee)).isEqualTo(rtp);
        }
        for (int i = 2; i <= 4; i++) {
            alice.session().allocateRelay("call-" + i).get(5, TimeUnit.SECONDS);
        }
        assertThatThrownBy(() -> alice.session().allocateRelay("call-5").get(5, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class).cause().isInstanceOf(ProtocolException.class)
                .extracting(e -> ((ProtocolException) e).code()).isEqualTo(ErrorCode.RATE_LIMITED);
    }

    @Test
    void tcpRelayNeedsAValidTokenAndCarriesPacketsToTheUdpParty() throws Exception {
        ParleyClient bob = overlay.client("bobrelay", 0, (id, c) -> new IncomingCallPolicy.Decline("no"), CallListener.NONE);
        RelayAllocated a = bob.session().allocateRelay("call-tcp").get(5, TimeUnit.SECONDS);
        try {
            InetSocketAddress relay = new InetSocketAddress(a.getRelay().getHost(), a.getRelay().getPort());
            RelayService relays = new SessionRelays(bob.io(), bob.session());
            assertThatThrownBy(() -> relays.connectTcp(HostPort.of(a.getRelay()), a.getCalleeToken().toByteArray(), new byte[16], p -> { }).get(5, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class);
            CompletableFuture<byte[]> overTcp = new CompletableFuture<>();
            RelayService.TcpRelayLink link = relays.connectTcp(HostPort.of(a.getRelay()), a.getCalleeToken().toByteArray(),
                    a.getCalleeKey().toByteArray(), overTcp::complete).get(5, TimeUnit.SECONDS);
            try (DatagramSocket caller = socket()) {
                caller.send(datagram(bind(a.getCallerToken(), a.getCallerKey()), relay));
                assertThat(StunCodec.decode(receive(caller)).type()).isEqualTo(StunMessageType.BINDING_SUCCESS);
                byte[] rtp = {(byte) 0x80, 111, 0, 2, 0, 0, 0, 0, 0, 0, 0, 7, 43};
                caller.send(new DatagramPacket(rtp, rtp.length, relay));
                assertThat(overTcp.get(5, TimeUnit.SECONDS)).isEqualTo(rtp);
                byte[] back = {(byte) 0x80, 111, 0, 3, 0, 0, 0, 0, 0, 0, 0, 8, 44};
                link.send(back);
                assertThat(receive(caller)).isEqualTo(back);
            } finally {
                link.close();
            }
        } finally {
            bob.session().releaseRelay(a.getAllocationId());
        }
    }
}
