package dev.parley.protocol.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.parley.protocol.ControlConnection;
import dev.parley.protocol.ControlPipeline;
import dev.parley.protocol.Ed25519KeyPair;
import dev.parley.protocol.HostPort;
import dev.parley.protocol.wire.Envelope;
import dev.parley.protocol.wire.GetServerKey;
import dev.parley.protocol.wire.ServerKey;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** TLS 1.3 on a control connection, trusted by pinned Ed25519 key, against real loopback sockets. */
class TlsTest {
    private static final Duration WAIT = Duration.ofSeconds(5);
    private final Ed25519KeyPair serverKey = Ed25519KeyPair.fromSeed(bytes(1));
    private final Ed25519KeyPair impostorKey = Ed25519KeyPair.fromSeed(bytes(2));
    private final NioEventLoopGroup group = new NioEventLoopGroup(1);
    private Channel server;

    private static byte[] bytes(int fill) {
        byte[] b = new byte[32];
        Arrays.fill(b, (byte) fill);
        return b;
    }

    @AfterEach
    void close() {
        if (server != null) {
            server.close().syncUninterruptibly();
        }
        group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
    }

    /** A TLS server presenting {@code key}; answers GetServerKey with it. */
    private HostPort serve(Ed25519KeyPair key) throws InterruptedException {
        return serve(key, Tls.server(TlsIdentity.of(key, "test server", Instant.now())));
    }

    private HostPort serve(Ed25519KeyPair key, SslContext tls) throws InterruptedException {
        server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ControlPipeline.install(ch, tls, ControlPipeline.DEFAULT_MAX_FRAME_BYTES);
                        ch.pipeline().addLast(new SimpleChannelInboundHandler<Envelope>() {
                            @Override
                            protected void channelRead0(ChannelHandlerContext ctx, Envelope msg) {
                                ctx.writeAndFlush(Envelope.newBuilder().setRequestId(msg.getRequestId())
                                        .setServerKey(ServerKey.newBuilder().setPublicKey(ByteString.copyFrom(key.publicKey())))
                                        .build());
                            }
                        });
                    }
                }).bind("127.0.0.1", 0).sync().channel();
        return new HostPort("127.0.0.1", ((InetSocketAddress) server.localAddress()).getPort());
    }

    private ControlConnection connect(HostPort at, KeyVerifier verifier) throws Exception {
        return ControlConnection.connect(group, at, Tls.client(verifier), e -> { }, WAIT).get(10, TimeUnit.SECONDS);
    }

    @Test
    void aClientPinnedToTheServersKeyTalksToIt() throws Exception {
        HostPort at = serve(serverKey);
        try (ControlConnection c = connect(at, KeyVerifier.pinned(serverKey.publicKey(), "test server"))) {
            Envelope r = c.request(Envelope.newBuilder().setGetServerKey(GetServerKey.getDefaultInstance())).get(5, TimeUnit.SECONDS);
            assertThat(r.getServerKey().getPublicKey().toByteArray()).isEqualTo(serverKey.publicKey());
        }
    }

    @Test
    void anImpostorWithAnotherKeyIsRefusedWithAClearError() throws Exception {
        HostPort at = serve(impostorKey);
        assertThatThrownBy(() -> connect(at, KeyVerifier.pinned(serverKey.publicKey(), "login server")))
                .isInstanceOf(ExecutionException.class).cause().isInstanceOf(HandshakeFailedException.class)
                .hasMessageContaining("login server key changed")
                .hasMessageContaining(KeyVerifier.fingerprint(impostorKey.publicKey()))
                .hasMessageContaining(KeyVerifier.fingerprint(serverKey.publicKey()));
    }

    @Test
    void anImpostorShowingThePinnedRootWithItsOwnLeafIsRefused() throws Exception {
        // The pinned server's root certificate is public; the impostor pairs it with a leaf it can sign with.
        TlsIdentity impostor = TlsIdentity.of(impostorKey, "test server", Instant.now()); // same names: a chain by name
        TlsIdentity real = TlsIdentity.of(serverKey, "test server", Instant.now());
        SslContext forged = SslContextBuilder.forServer(impostor.leafKey(), impostor.chain()[0], real.chain()[1])
                .sslProvider(SslProvider.JDK).protocols("TLSv1.3").build();
        HostPort at = serve(impostorKey, forged);
        assertThatThrownBy(() -> connect(at, KeyVerifier.pinned(serverKey.publicKey(), "login server"))).cause()
                .isInstanceOf(HandshakeFailedException.class).hasMessageContaining("not signed by the server's Ed25519 key");
    }

    @Test
    void trustOnFirstUsePinsTheFirstKeyAndRefusesAnotherOneLater(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("login-key.pin");
        KeyPin first = KeyPin.open(file, "login server", null);
        HostPort at = serve(serverKey);
        connect(at, first.verifier()).close();
        first.commit();
        assertThat(Files.readString(file).strip()).isEqualTo(HexFormat.of().formatHex(serverKey.publicKey()));
        server.close().sync();

        HostPort impostor = serve(impostorKey);
        KeyPin later = KeyPin.open(file, "login server", null);
        assertThatThrownBy(() -> connect(impostor, later.verifier())).cause()
                .isInstanceOf(HandshakeFailedException.class).hasMessageContaining("login server key changed");
    }

    @Test
    void anOperatorGivenFingerprintIsCheckedOnFirstUse(@TempDir Path dir) throws Exception {
        HostPort at = serve(impostorKey);
        KeyPin pin = KeyPin.open(dir.resolve("pin"), "login server", KeyVerifier.fingerprint(serverKey.publicKey()));
        assertThatThrownBy(() -> connect(at, pin.verifier())).cause()
                .isInstanceOf(HandshakeFailedException.class).hasMessageContaining("does not match --login-key");
        pin.commit();
        assertThat(dir.resolve("pin")).doesNotExist();
    }

    @Test
    void tls12IsRefused() throws Exception {
        HostPort at = serve(serverKey);
        SSLContext old = SSLContext.getInstance("TLSv1.2");
        old.init(null, null, null);
        try (SSLSocket s = (SSLSocket) old.getSocketFactory().createSocket("127.0.0.1", at.port())) {
            s.setEnabledProtocols(new String[] {"TLSv1.2"});
            s.setSoTimeout(5000);
            assertThatThrownBy(s::startHandshake).isInstanceOf(SSLException.class);
        }
    }

    @Test
    void plaintextGetsNoAnswerLargerThanItself() throws Exception {
        HostPort at = serve(serverKey);
        // A plaintext control frame (varint length + GetServerKey envelope): the server must not answer
        // it as a request; the TLS layer rejects it and closes.
        byte[] frame = Envelope.newBuilder().setRequestId(1).setGetServerKey(GetServerKey.getDefaultInstance()).build().toByteArray();
        try (Socket s = new Socket("127.0.0.1", at.port())) {
            s.setSoTimeout(5000);
            OutputStream out = s.getOutputStream();
            out.write(frame.length);
            out.write(frame);
            out.flush();
            InputStream in = s.getInputStream();
            byte[] buf = new byte[4096];
            int total = 0;
            for (int n; (n = in.read(buf)) > 0; ) {
                total += n;
            }
            assertThat(total).as("bytes answered to %d plaintext bytes", frame.length + 1).isLessThanOrEqualTo(frame.length + 1);
        }
    }
}
