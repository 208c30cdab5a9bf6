package dev.parley.supernode;

import com.google.protobuf.ByteString;
import dev.parley.protocol.ControlPipeline;
import dev.parley.protocol.Credentials;
import dev.parley.protocol.Ed25519KeyPair;
import dev.parley.protocol.Envelopes;
import dev.parley.protocol.ErrorClosingHandler;
import dev.parley.protocol.HostPort;
import dev.parley.protocol.tls.Tls;
import dev.parley.protocol.tls.TlsIdentity;
import dev.parley.protocol.wire.Credential;
import dev.parley.protocol.wire.Envelope;
import dev.parley.protocol.wire.ErrorCode;
import dev.parley.protocol.wire.ServerKey;
import dev.parley.protocol.wire.SuperNodeDirectory;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * An in-test stand-in for the login server: answers {@code GetServerKey} with a test key (or an
 * INTERNAL error while {@link #keyAvailable} is false) and {@code SuperNodeHeartbeat} with a
 * directory of every super node that sent a heartbeat plus {@link #addPeer extra peers}, minus the
 * sender. Also issues credentials with its key.
 */
final class FakeLoginServer implements AutoCloseable {
    final Ed25519KeyPair key;
    volatile boolean keyAvailable = true;
    final AtomicInteger connections = new AtomicInteger();
    final AtomicInteger heartbeats = new AtomicInteger();
    private final Set<HostPort> superNodes = ConcurrentHashMap.newKeySet();
    private final Set<HostPort> extraPeers = ConcurrentHashMap.newKeySet();
    private final NioEventLoopGroup group = new NioEventLoopGroup(1);
    private final ChannelGroup channels = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
    private final Channel server;

    FakeLoginServer(Ed25519KeyPair key) throws InterruptedException {
        this.key = key;
        SslContext tls = Tls.server(TlsIdentity.of(key, "fake login server", Instant.now()));
        server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        connections.incrementAndGet();
                        channels.add(ch);
                        ControlPipeline.install(ch, tls, ControlPipeline.DEFAULT_MAX_FRAME_BYTES);
                        ch.pipeline().addLast(new Handler());
                        ch.pipeline().addLast(ErrorClosingHandler.INSTANCE);
                    }
                }).bind("127.0.0.1", 0).sync().channel();
    }

    HostPort address() {
        return new HostPort("127.0.0.1", ((InetSocketAddress) server.localAddress()).getPort());
    }

    /** Lists {@code peer} in every directory from now on. */
    void addPeer(HostPort peer) {
        extraPeers.add(peer);
    }

    /** Stops listing {@code peer}. */
    void removePeer(HostPort peer) {
        extraPeers.remove(peer);
    }

    /** Closes every accepted connection (the super nodes must reconnect). */
    void dropConnections() {
        channels.close().awaitUninterruptibly();
    }

    Credential issue(String username, Ed25519KeyPair clientKey, Instant issuedAt, Duration lifetime) {
        return Credentials.issue(key, username, clientKey.publicKey(), issuedAt, lifetime);
    }

    private final class Handler extends SimpleChannelInboundHandler<Envelope> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, Envelope msg) {
            long id = msg.getRequestId();
            switch (msg.getBodyCase()) {
                case GET_SERVER_KEY -> ctx.writeAndFlush(keyAvailable
                        ? Envelopes.builder(id).setServerKey(ServerKey.newBuilder()
                                .setPublicKey(ByteString.copyFrom(key.publicKey()))).build()
                        : Envelopes.error(id, ErrorCode.INTERNAL, "key not loaded yet"));
                case SUPERNODE_HEARTBEAT -> {
                    heartbeats.incrementAndGet();
                    HostPort sender = HostPort.of(msg.getSupernodeHeartbeat().getAddress());
                    superNodes.add(sender);
                    SuperNodeDirectory.Builder dir = SuperNodeDirectory.newBuilder();
                    List<HostPort> all = Stream.concat(superNodes.stream(), extraPeers.stream())
                            .distinct().filter(a -> !a.equals(sender))
                            .sorted(Comparator.comparingInt(HostPort::port)).toList();
                    all.forEach(a -> dir.addSuperNodes(a.toAddress()));
                    ctx.writeAndFlush(Envelopes.builder(id).setSupernodeDirectory(dir).build());
                }
                default -> ctx.writeAndFlush(Envelopes.error(id, ErrorCode.BAD_REQUEST, "unexpected " + msg.getBodyCase()));
            }
        }
    }

    @Override
    public void close() {
        server.close().awaitUninterruptibly();
        channels.close().awaitUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
    }
}
