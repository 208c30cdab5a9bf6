package dev.parley.client.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.parley.login.Argon2Params;
import dev.parley.login.LoginServer;
import dev.parley.login.LoginServerConfig;
import dev.parley.protocol.ControlConnection;
import dev.parley.protocol.Ed25519KeyPair;
import dev.parley.protocol.HostPort;
import dev.parley.protocol.ProtocolException;
import dev.parley.protocol.ServeOffers;
import dev.parley.protocol.SuperNodeCertificates;
import dev.parley.protocol.X25519KeyPair;
import dev.parley.protocol.tls.KeyVerifier;
import dev.parley.protocol.tls.Tls;
import dev.parley.protocol.tls.TlsIdentity;
import dev.parley.protocol.wire.Envelope;
import dev.parley.protocol.wire.ErrorCode;
import dev.parley.protocol.wire.ServeOffer;
import dev.parley.protocol.wire.ServeProbeEcho;
import com.google.protobuf.ByteString;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.SocketTimeoutException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Attacks on the self-organizing overlay's offers and reachability probes (docs/security.md
 * "Promoted clients"), against a real login server on loopback: the probe cannot be aimed at a
 * third party, is rate limited, an unreachable or lying candidate is never promoted, and nobody
 * certifies itself.
 */
class ServeProbeAttackTest {
    private static final SecureRandom SEEDED = seeded();

    @TempDir
    Path dir;
    private LoginServer login;
    private EventLoopGroup io;
    private final List<AutoCloseable> closing = new ArrayList<>();

    private static SecureRandom seeded() {
        try {
            SecureRandom r = SecureRandom.getInstance("SHA1PRNG");
            r.setSeed(2026);
            return r;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @BeforeEach
    void start() throws Exception {
        login = LoginServer.start(LoginServerConfig.defaults(new HostPort("127.0.0.1", 0), dir.resolve("login"))
                .withArgon2(new Argon2Params(1024, 1, 1)));
        io = new NioEventLoopGroup(1);
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : closing) {
            c.close();
        }
        io.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        login.close();
    }

    /** A raw connection to the login server, recording its pushes. */
    private record Link(ControlConnection connection, LinkedBlockingQueue<Envelope> pushes) {}

    private Link link() throws Exception {
        LinkedBlockingQueue<Envelope> pushes = new LinkedBlockingQueue<>();
        ControlConnection c = ControlConnection.connect(io, login.boundAddress(),
                Tls.client(KeyVerifier.pinned(login.publicKey(), "login server")), pushes::add, Duration.ofSeconds(5))
                .get(5, TimeUnit.SECONDS);
        closing.add(c);
        return new Link(c, pushes);
    }

    private static ServeOffer offer(Ed25519KeyPair key, HostPort address) {
        return ServeOffers.sign(key, X25519KeyPair.derive(key, SuperNodeCertificates.MESH_KEY_LABEL), address,
                System.currentTimeMillis(), ServeOffer.newBuilder().setMaxClients(10));
    }

    private static Envelope send(Link l, Envelope.Builder request) throws Exception {
        try {
            return l.connection().request(request, Duration.ofSeconds(5)).get(6, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw (Exception) e.getCause();
        }
    }

    private DatagramSocket udp(String host) throws Exception {
        DatagramSocket s = new DatagramSocket(new InetSocketAddress(host, 0));
        s.setSoTimeout(300);
        closing.add(s);
        return s;
    }

    /** @return the datagrams {@code s} receives within {@code ms} */
    private static int datagrams(DatagramSocket s, long ms) throws Exception {
        int count = 0;
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ms);
        while (System.nanoTime() < deadline) {
            try {
                DatagramPacket p = new DatagramPacket(new byte[1500], 1500);
                s.receive(p);
                assertThat(p.getLength()).as("a probe datagram is small").isEqualTo(24);
                count++;
            } catch (SocketTimeoutException e) {
                // keep listening until the deadline
            }
        }
        return count;
    }

    @Test
    void anOfferNamingAnotherHostGetsNoProbeAtThatHost() throws Exception {
        DatagramSocket victim = udp("127.0.0.2");
        ServerSocket victimTcp = new ServerSocket();
        victimTcp.bind(new InetSocketAddress("127.0.0.2", victim.getLocalPort()));
        victimTcp.setSoTimeout(1_500);
        closing.add(victimTcp);
        HostPort third = new HostPort("127.0.0.2", victim.getLocalPort());
        Link l = link(); // comes from 127.0.0.1
        assertThatThrownBy(() -> send(l, Envelope.newBuilder().setServeOffer(offer(Ed25519KeyPair.generate(SEEDED), third))))
                .isInstanceOfSatisfying(ProtocolException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.NOT_ELIGIBLE));
        assertThat(datagrams(victim, 1_500)).as("no UDP to the third party").isZero();
        assertThatThrownBy(victimTcp::accept).as("no TCP to the third party").isInstanceOf(SocketTimeoutException.class);
    }

    @Test
    void probesOfOneAddressAreRateLimited() throws Exception {
        int sent = 8;
        List<DatagramSocket> targets = new ArrayList<>();
        int accepted = 0;
        int limited = 0;
        for (int i = 0; i < sent; i++) {
            DatagramSocket target = udp("127.0.0.1");
            targets.add(target);
            try {
                send(link(), Envelope.newBuilder().setServeOffer(offer(Ed25519KeyPair.generate(SEEDED),
                        new HostPort("127.0.0.1", target.getLocalPort()))));
                accepted++;
            } catch (ProtocolException e) {
                assertThat(e.code()).isEqualTo(ErrorCode.RATE_LIMITED);
                limited++;
            }
        }
        int received = 0;
        for (DatagramSocket t : targets) {
            received += datagrams(t, 300);
        }
        assertThat(accepted).as("probes admitted for one address").isEqualTo(3);
        assertThat(limited).isEqualTo(sent - 3);
        assertThat(received).as("one small datagram per admitted probe, none for refused ones").isEqualTo(3);
    }

    @Test
    void aCandidateNobodyListensForIsNeverPromoted() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            port = s.getLocalPort(); // closed again: nothing listens there
        }
        Link l = link();
        assertThat(send(l, Envelope.newBuilder().setServeOffer(offer(Ed25519KeyPair.generate(SEEDED),
                new HostPort("127.0.0.1", port)))).hasOk()).isTrue();
        Envelope order = l.pushes().poll(10, TimeUnit.SECONDS);
        assertThat(order).isNotNull();
        assertThat(order.getServeOrder().hasCertificate()).isFalse();
        assertThat(order.getServeOrder().getDemote()).isTrue();
        assertThat(order.getServeOrder().getReason()).startsWith("not eligible");
        assertThat(l.pushes().poll(1_500, TimeUnit.MILLISECONDS)).as("no promotion later").isNull();
    }

    @Test
    void aServePortPresentingAnotherKeyIsNotEligibleEvenWithTheRightNonce() throws Exception {
        Ed25519KeyPair offered = Ed25519KeyPair.generate(SEEDED);
        Ed25519KeyPair other = Ed25519KeyPair.generate(SEEDED);
        CompletableFuture<byte[]> nonce = new CompletableFuture<>();
        ProbeListener listener = ProbeListener.bind(io, "127.0.0.1", 0,
                Tls.server(TlsIdentity.of(other, "impostor", Instant.now())), (n, from) -> nonce.complete(n), a -> { });
        closing.add(listener);
        Link l = link();
        send(l, Envelope.newBuilder().setServeOffer(offer(offered, listener.address())));
        byte[] n = nonce.get(5, TimeUnit.SECONDS);
        assertThat(n).hasSize(16);
        try { // the TLS probe may have failed first: then the echo finds no probe under way
            send(l, Envelope.newBuilder().setServeProbeEcho(ServeProbeEcho.newBuilder().setNonce(ByteString.copyFrom(n))));
        } catch (ProtocolException e) {
            assertThat(e.code()).isEqualTo(ErrorCode.BAD_REQUEST);
        }
        Envelope order = l.pushes().poll(10, TimeUnit.SECONDS);
        assertThat(order).isNotNull();
        assertThat(order.getServeOrder().hasCertificate()).isFalse();
        assertThat(order.getServeOrder().getReason()).contains("TLS");
        assertThat(l.pushes().poll(1_500, TimeUnit.MILLISECONDS)).as("no promotion later").isNull();
    }

    /** A candidate listening with {@code key}, its offer taken on {@code l}; completes with the probe's nonce. */
    private CompletableFuture<byte[]> offered(Link l, Ed25519KeyPair key) throws Exception {
        CompletableFuture<byte[]> nonce = new CompletableFuture<>();
        ProbeListener listener = ProbeListener.bind(io, "127.0.0.1", 0,
                Tls.server(TlsIdentity.of(key, "candidate", Instant.now())), (n, from) -> nonce.complete(n), a -> { });
        closing.add(listener);
        send(l, Envelope.newBuilder().setServeOffer(offer(key, listener.address())));
        return nonce;
    }

    private static Envelope.Builder echo(byte[] nonce) {
        return Envelope.newBuilder().setServeProbeEcho(ServeProbeEcho.newBuilder().setNonce(ByteString.copyFrom(nonce)));
    }

    @Test
    void aWrongNonceIsRefusedButDoesNotEndTheCandidacy() throws Exception {
        // What a candidate echoes may be a datagram a stranger spoofed from the login server's address:
        // one wrong echo is refused and counted, and the right one still proves the candidate.
        Link l = link();
        CompletableFuture<byte[]> nonce = offered(l, Ed25519KeyPair.generate(SEEDED));
        byte[] guess = new byte[16];
        SEEDED.nextBytes(guess);
        assertThatThrownBy(() -> send(l, echo(guess)))
                .isInstanceOfSatisfying(ProtocolException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.INVALID_CREDENTIAL);
                    assertThat(e.getMessage()).contains("wrong nonce (1 of 3 tolerated)");
                });
        assertThat(send(l, echo(nonce.get(5, TimeUnit.SECONDS))).hasServeBurst())
                .as("the right nonce after a wrong one: UDP proved, the upload burst asked for").isTrue();
        assertThat(l.pushes()).as("no demotion").isEmpty();
    }

    @Test
    void wrongNoncesBeyondTheBoundEndTheCandidacy() throws Exception {
        Link l = link();
        CompletableFuture<byte[]> nonce = offered(l, Ed25519KeyPair.generate(SEEDED));
        byte[] guess = new byte[16];
        for (int i = 1; i <= 4; i++) {
            SEEDED.nextBytes(guess);
            assertThatThrownBy(() -> send(l, echo(guess))).isInstanceOfSatisfying(ProtocolException.class,
                    e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_CREDENTIAL));
        }
        Envelope order = l.pushes().poll(5, TimeUnit.SECONDS);
        assertThat(order).isNotNull();
        assertThat(order.getServeOrder().hasCertificate()).isFalse();
        assertThat(order.getServeOrder().getReason()).contains("wrong nonce: 4 (expected: <= 3)");
        assertThatThrownBy(() -> send(l, echo(nonce.get(5, TimeUnit.SECONDS))))
                .as("the right nonce comes too late").isInstanceOfSatisfying(ProtocolException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.BAD_REQUEST));
        assertThat(l.pushes().poll(1_500, TimeUnit.MILLISECONDS)).as("no promotion later").isNull();
    }

    @Test
    void nobodyCertifiesItselfOrOffersAnotherOnesKey() throws Exception {
        Ed25519KeyPair mine = Ed25519KeyPair.generate(SEEDED);
        Link l = link();
        // A renewal for a key the login server never promoted or enrolled.
        assertThatThrownBy(() -> send(l, Envelope.newBuilder().setRenewSupernode(SuperNodeCertificates.renewRequest(mine,
                X25519KeyPair.derive(mine, SuperNodeCertificates.MESH_KEY_LABEL), new HostPort("127.0.0.1", 7000),
                System.currentTimeMillis()))))
                .isInstanceOfSatisfying(ProtocolException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_CREDENTIAL));
        // An offer naming someone else's node key, signed with mine.
        Ed25519KeyPair victim = Ed25519KeyPair.generate(SEEDED);
        ServeOffer forged = offer(mine, new HostPort("127.0.0.1", 7000)).toBuilder()
                .setNodeKey(ByteString.copyFrom(victim.publicKey())).build();
        assertThatThrownBy(() -> send(l, Envelope.newBuilder().setServeOffer(forged)))
                .isInstanceOfSatisfying(ProtocolException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_CREDENTIAL));
    }

    @Test
    void oneConnectionCannotMakeTheLoginServerCheckOfferAfterOffer() throws Exception {
        Link l = link();
        Ed25519KeyPair key = Ed25519KeyPair.generate(SEEDED);
        ServeOffer offer = offer(key, new HostPort("127.0.0.1", 9));
        List<String> answers = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            try {
                send(l, Envelope.newBuilder().setServeOffer(offer));
                answers.add("ok");
            } catch (ProtocolException e) {
                answers.add(e.getMessage());
            }
        }
        // 3 probes (per address), then the probe limit, then the per-connection cap without any signature check
        assertThat(answers.subList(0, 3)).containsOnly("ok");
        assertThat(answers.subList(3, 8)).allMatch(a -> a.contains("rate limited"));
        assertThat(answers.subList(8, 10)).allMatch(a -> a.contains("on this connection"));
    }
}
