package dev.parley.client.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.parley.login.Argon2Params;
import dev.parley.login.LoginServer;
import dev.parley.login.LoginServerConfig;
import dev.parley.protocol.ControlConnection;
import dev.parley.protocol.Ed25519KeyPair;
import dev.parley.protocol.HostPort;
import dev.parley.protocol.ServeOffers;
import dev.parley.protocol.SuperNodeCertificates;
import dev.parley.protocol.UploadBursts;
import dev.parley.protocol.X25519KeyPair;
import dev.parley.protocol.tls.KeyVerifier;
import dev.parley.protocol.tls.Tls;
import dev.parley.protocol.tls.TlsIdentity;
import dev.parley.protocol.wire.Envelope;
import dev.parley.protocol.wire.ServeBurst;
import dev.parley.protocol.wire.ServeOffer;
import dev.parley.protocol.wire.ServeProbeEcho;
import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Attacks on the upload measurement (docs/security.md "Promoted clients"), by a candidate that
 * passes the reachability probe and then lies about its upload, or by a third party, against a real
 * login server: a stated share is never believed beyond what arrives, datagrams from elsewhere or
 * with another nonce count for nothing and are never answered, and the one answer is never bigger
 * than what the login server received.
 */
class UploadBurstAttackTest {
    private static final int HUGE_KBPS = 1_000_000;

    @TempDir
    Path dir;
    private LoginServer login;
    private EventLoopGroup io;
    private SecureRandom random;
    private final List<AutoCloseable> closing = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        login = LoginServer.start(LoginServerConfig.defaults(new HostPort("127.0.0.1", 0), dir.resolve("login"))
                .withArgon2(new Argon2Params(1024, 1, 1)));
        io = new NioEventLoopGroup(1);
        random = SecureRandom.getInstance("SHA1PRNG");
        random.setSeed(130);
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : closing) {
            c.close();
        }
        io.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        login.close();
    }

    /** A candidate that passed the probe: its serve port, the nonce, where the probe came from, the burst asked. */
    private record Probed(ControlConnection link, LinkedBlockingQueue<Envelope> pushes, ProbeListener port, byte[] nonce,
            InetSocketAddress prober, ServeBurst burst, LinkedBlockingQueue<UploadBursts.Answer> answers) {}

    private Probed probed(int statedKbps) throws Exception {
        Ed25519KeyPair key = Ed25519KeyPair.generate(random);
        LinkedBlockingQueue<byte[]> nonces = new LinkedBlockingQueue<>();
        LinkedBlockingQueue<InetSocketAddress> senders = new LinkedBlockingQueue<>();
        LinkedBlockingQueue<UploadBursts.Answer> answers = new LinkedBlockingQueue<>();
        ProbeListener port = ProbeListener.bind(io, "127.0.0.1", 0, Tls.server(TlsIdentity.of(key, "candidate", Instant.now())),
                (n, from) -> {
                    nonces.add(n);
                    senders.add(from);
                }, answers::add);
        closing.add(port);
        LinkedBlockingQueue<Envelope> pushes = new LinkedBlockingQueue<>();
        ControlConnection link = ControlConnection.connect(io, login.boundAddress(),
                Tls.client(KeyVerifier.pinned(login.publicKey(), "login server")), pushes::add, Duration.ofSeconds(5))
                .get(5, TimeUnit.SECONDS);
        closing.add(link);
        ServeOffer offer = ServeOffers.sign(key, X25519KeyPair.derive(key, SuperNodeCertificates.MESH_KEY_LABEL),
                port.address(), System.currentTimeMillis(), ServeOffer.newBuilder().setMaxClients(10)
                        .setMaxRelayAllocations(10).setBandwidthShareKbps(statedKbps));
        assertThat(link.request(Envelope.newBuilder().setServeOffer(offer), Duration.ofSeconds(5)).get(6, TimeUnit.SECONDS)
                .hasOk()).isTrue();
        byte[] nonce = nonces.poll(5, TimeUnit.SECONDS);
        assertThat(nonce).isNotNull();
        Envelope answer = link.request(Envelope.newBuilder().setServeProbeEcho(ServeProbeEcho.newBuilder()
                .setNonce(ByteString.copyFrom(nonce))), Duration.ofSeconds(5)).get(6, TimeUnit.SECONDS);
        assertThat(answer.hasServeBurst()).as("a right echo is answered with the burst to send").isTrue();
        return new Probed(link, pushes, port, nonce, senders.poll(), answer.getServeBurst(), answers);
    }

    /** Sends {@code count} burst datagrams back to back from the serve port (the last one flagged if {@code last}). */
    private static void send(Probed p, int count, boolean last, byte[] nonce) {
        for (int i = 0; i < count; i++) {
            byte[] d = UploadBursts.datagram(nonce, i, last && i == count - 1, p.burst().getDatagramBytes());
            p.port().udp().writeAndFlush(new DatagramPacket(Unpooled.wrappedBuffer(d), p.prober()));
        }
    }

    /** @return the verdict the login server pushed (a demotion: not eligible), or null if it promoted */
    private static String verdict(Probed p) throws Exception {
        Envelope order = p.pushes().poll(10, TimeUnit.SECONDS);
        assertThat(order).as("a verdict").isNotNull();
        return order.getServeOrder().hasCertificate() ? null : order.getServeOrder().getReason();
    }

    @Test
    void aHugeStatedShareWithoutABurstIsNotBelieved() throws Exception {
        Probed p = probed(HUGE_KBPS);
        assertThat(verdict(p)).isEqualTo("not eligible: upload measured 0 kbit/s (expected: >= 256)");
        assertThat(p.answers().poll(500, TimeUnit.MILLISECONDS)).as("nothing received: nothing answered").isNull();
    }

    @Test
    void aHandfulOfDatagramsSentBackToBackIsCreditedWithWhatTheyCarryNotTheStatedShare() throws Exception {
        Probed p = probed(HUGE_KBPS);
        send(p, 8, true, p.nonce()); // 9,600 bytes at loopback speed: "gigabits", if divided by microseconds
        UploadBursts.Answer answer = p.answers().poll(5, TimeUnit.SECONDS);
        assertThat(answer).isNotNull();
        assertThat(answer.datagrams()).isEqualTo(8);
        // At most 7 datagrams' bits over the 100 ms floor: 672 kbit/s.
        assertThat(answer.kbps()).as("credited, kbit/s").isLessThanOrEqualTo(7 * 1_200 * 8 / 100);
        verdict(p); // promoted or not: at most 672 kbit/s, a thousandth of what it stated
    }

    @Test
    void theAnswerIsOneDatagramSmallerThanWhatArrivedAndAFloodCountsOnlyTheBurst() throws Exception {
        Probed p = probed(2_000);
        send(p, 1_000, false, p.nonce()); // far more than asked for
        UploadBursts.Answer answer = p.answers().poll(5, TimeUnit.SECONDS);
        assertThat(answer).isNotNull();
        assertThat(answer.datagrams()).as("counted: the burst asked for, no more")
                .isLessThanOrEqualTo(p.burst().getMaxDatagrams());
        assertThat(UploadBursts.ANSWER_BYTES).as("the answer's bytes").isLessThan(p.burst().getDatagramBytes());
        assertThat(p.answers().poll(1_500, TimeUnit.MILLISECONDS)).as("one answer per burst, however many arrive").isNull();
    }

    @Test
    void datagramsFromAnotherAddressOrWithAnotherNonceCountForNothingAndAreNeverAnswered() throws Exception {
        Probed p = probed(2_000);
        byte[] wrong = p.nonce().clone();
        wrong[0] ^= 1;
        send(p, 50, true, wrong); // from the serve port, but another nonce
        DatagramSocket elsewhere = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
        elsewhere.setSoTimeout(1_500);
        closing.add(elsewhere);
        for (int i = 0; i < 50; i++) { // the right nonce (seen on the path), from another port
            byte[] d = UploadBursts.datagram(p.nonce(), i, i == 49, p.burst().getDatagramBytes());
            elsewhere.send(new java.net.DatagramPacket(d, d.length, p.prober()));
        }
        assertThat(verdict(p)).isEqualTo("not eligible: upload measured 0 kbit/s (expected: >= 256)");
        assertThat(p.answers()).as("no answer at the serve port: nothing of its own arrived").isEmpty();
        java.net.DatagramPacket received = new java.net.DatagramPacket(new byte[1_500], 1_500);
        assertThatThrownBy(() -> elsewhere.receive(received))
                .as("no answer to the other address").isInstanceOf(SocketTimeoutException.class);
    }
}
