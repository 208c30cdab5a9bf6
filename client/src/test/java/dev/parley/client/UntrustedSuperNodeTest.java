package dev.parley.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.parley.protocol.ControlConnection;
import dev.parley.protocol.ControlPipeline;
import dev.parley.protocol.Ed25519KeyPair;
import dev.parley.protocol.Envelopes;
import dev.parley.protocol.HostPort;
import dev.parley.protocol.SuperNodeCertificates;
import dev.parley.protocol.X25519KeyPair;
import dev.parley.protocol.tls.KeyVerifier;
import dev.parley.protocol.tls.Tls;
import dev.parley.protocol.tls.TlsIdentity;
import dev.parley.protocol.wire.Credential;
import dev.parley.protocol.wire.Envelope;
import dev.parley.protocol.wire.ServerHello;
import dev.parley.protocol.wire.SuperNodeCertificate;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A client refuses a super node that is not the certified one at the address it dialled, over real
 * sockets: no certificate, a certificate from another login server, a stolen certificate of a real
 * super node, a valid certificate for another address, an expired one; and joins through the next.
 * One that stalls (never speaks TLS, or never says hello) is given up on and does not hold up the join.
 */
class UntrustedSuperNodeTest {
    @TempDir
    Path dir;

    private TestOverlay overlay;
    private final NioEventLoopGroup group = new NioEventLoopGroup(2);
    private ServerSocket muteTcp;
    private final Ed25519KeyPair alice = key(11);
    private Credential credential;

    private static Ed25519KeyPair key(long seed) {
        byte[] bytes = new byte[32];
        new SplittableRandom(seed).nextBytes(bytes);
        return Ed25519KeyPair.fromSeed(bytes);
    }

    @BeforeEach
    void start() throws Exception {
        muteTcp = new ServerSocket(0, 8, InetAddress.getLoopbackAddress());
        overlay = new TestOverlay(dir, 1);
        overlay.login.accounts().createAccount("alice", "pw-12345678");
        credential = overlay.login.accounts().login("alice", "pw-12345678", alice.publicKey());
    }

    @AfterEach
    void stop() throws Exception {
        muteTcp.close();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
        overlay.close();
    }

    /** A TLS server with its own key that says whatever ServerHello it is given. */
    private HostPort impostor(Ed25519KeyPair key, @Nullable SuperNodeCertificate certificate) throws Exception {
        return tlsServer(key, ctx -> {
            ServerHello.Builder hello = ServerHello.newBuilder().setNonce(ByteString.copyFrom(new byte[32]));
            if (certificate != null) {
                hello.setCertificate(certificate).setAddress(certificate.getAddress());
            }
            ctx.writeAndFlush(Envelopes.builder(0).setServerHello(hello).build());
        });
    }

    /** A TLS server that runs {@code onActive} on every connection and answers nothing else. */
    private HostPort tlsServer(Ed25519KeyPair key, Consumer<ChannelHandlerContext> onActive) throws Exception {
        var tls = Tls.server(TlsIdentity.of(key, "impostor", Instant.now()));
        Channel server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ControlPipeline.install(ch, tls, ControlPipeline.DEFAULT_MAX_FRAME_BYTES);
                        ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                            @Override
                            public void channelActive(ChannelHandlerContext ctx) {
                                onActive.accept(ctx);
                            }
                        });
                    }
                }).bind("127.0.0.1", 0).sync().channel();
        return new HostPort("127.0.0.1", ((InetSocketAddress) server.localAddress()).getPort());
    }

    private String refusal(HostPort superNode, InstantSource clock) throws Exception {
        try {
            SuperNodeSession s = SuperNodeSession.register(group, superNode, overlay.login.publicKey(), credential, alice,
                    List.of(), signal -> { }, clock).get(10, TimeUnit.SECONDS);
            s.close();
            throw new AssertionError("registered with " + superNode);
        } catch (ExecutionException e) {
            assertThat(e.getCause()).isInstanceOf(UntrustedSuperNodeException.class);
            return e.getCause().getMessage();
        }
    }

    /** @return a certificate from the real login server for {@code node} at {@code address} (an enrolled node) */
    private SuperNodeCertificate enrolled(Ed25519KeyPair node, HostPort address) throws Exception {
        String token = overlay.login.superNodes().createToken(Duration.ofMinutes(5));
        try (ControlConnection c = ControlConnection.connect(group, overlay.login.boundAddress(),
                Tls.client(KeyVerifier.anyKey()), push -> { }, Duration.ofSeconds(5)).get(10, TimeUnit.SECONDS)) {
            return c.request(Envelope.newBuilder().setEnrollSupernode(SuperNodeCertificates.enrolRequest(node,
                    X25519KeyPair.derive(node, SuperNodeCertificates.MESH_KEY_LABEL), address, token,
                    System.currentTimeMillis()))).get(10, TimeUnit.SECONDS).getSupernodeCertificate();
        }
    }

    @Test
    void refusesASuperNodeWithoutACertificate() throws Exception {
        assertThat(refusal(impostor(key(20), null), InstantSource.system())).contains("presented no certificate");
    }

    @Test
    void refusesACertificateFromAnotherLoginServer() throws Exception {
        Ed25519KeyPair otherLogin = key(21);
        Ed25519KeyPair node = key(22);
        SuperNodeCertificate foreign = SuperNodeCertificates.issue(otherLogin, node.publicKey(),
                X25519KeyPair.derive(node, SuperNodeCertificates.MESH_KEY_LABEL).publicKey(), new HostPort("127.0.0.1", 9),
                Instant.now(), Duration.ofHours(6));
        HostPort impostor = impostor(node, foreign);
        assertThat(refusal(impostor, InstantSource.system())).contains("signature does not verify");
    }

    @Test
    void refusesAStolenCertificateOfARealSuperNode() throws Exception {
        SuperNodeCertificate stolen = overlay.superNodes.get(0).certificate();
        assertThat(refusal(impostor(key(23), stolen), InstantSource.system())).contains("but TLS presented key");
    }

    @Test
    void refusesAValidCertificateThatNamesAnotherAddress() throws Exception {
        Ed25519KeyPair node = key(24);
        SuperNodeCertificate elsewhere = enrolled(node, new HostPort("127.0.0.1", 9));
        assertThat(refusal(impostor(node, elsewhere), InstantSource.system())).contains("expected: the address dialled");
    }

    @Test
    void refusesAnExpiredCertificate() throws Exception {
        InstantSource sevenHoursLater = InstantSource.fixed(Instant.now().plus(Duration.ofHours(7)));
        assertThat(refusal(overlay.superNode(0), sevenHoursLater)).contains("expired");
    }

    /** @return an address where nothing listens (connections are refused) */
    private static HostPort dead() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return new HostPort("127.0.0.1", s.getLocalPort());
        }
    }

    @Test
    void givesUpOnASuperNodeThatNeverSaysHello() throws Exception {
        HostPort silent = tlsServer(key(26), ctx -> { }); // TLS completes, then nothing
        long started = System.nanoTime();
        assertThatThrownBy(() -> SuperNodeSession.register(group, silent, overlay.login.publicKey(), credential, alice,
                List.of(), signal -> { }, InstantSource.system()).get(SuperNodeSession.HELLO_TIMEOUT_MS + 5_000,
                TimeUnit.MILLISECONDS))
                .isInstanceOf(ExecutionException.class).cause().isInstanceOf(IOException.class).hasMessageContaining("sent no hello");
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThanOrEqualTo(
                Duration.ofMillis(SuperNodeSession.HELLO_TIMEOUT_MS));
    }

    /**
     * The attack: super nodes that stall (one that accepts TCP and never speaks TLS, one that never
     * says hello) first in the host cache, beside a dead one. Each holds one place of the join until
     * its timeout; the dead one's place goes to the real super node at once.
     */
    @Test
    void stallingSuperNodesDoNotHoldUpTheJoin() throws Exception {
        HostPort silent = tlsServer(key(27), ctx -> { });
        HostPort mute = new HostPort("127.0.0.1", muteTcp.getLocalPort()); // the kernel accepts, nobody reads
        SuperNodeSession session = OverlayJoin.join(group, List.of(silent, mute, dead(), overlay.superNode(0)),
                overlay.login.publicKey(), credential, alice, List.of(), signal -> { }, InstantSource.system(),
                OverlayJoin.JoinObserver.NONE).get(SuperNodeSession.HELLO_TIMEOUT_MS - 1_000, TimeUnit.MILLISECONDS);
        assertThat(session.superNode()).isEqualTo(overlay.superNode(0));
        session.close();
    }

    @Test
    void joinsThroughTheNextSuperNodeAfterAnImpostor() throws Exception {
        HostPort impostor = impostor(key(25), overlay.superNodes.get(0).certificate());
        SuperNodeSession session = OverlayJoin.join(group, List.of(impostor, overlay.superNode(0)),
                overlay.login.publicKey(), credential, alice, List.of(), signal -> { }, InstantSource.system(),
                OverlayJoin.JoinObserver.NONE).get(20, TimeUnit.SECONDS);
        assertThat(session.superNode()).isEqualTo(overlay.superNode(0));
        session.close();
    }
}
