package dev.parley.supernode;

import com.google.protobuf.ByteString;
import dev.parley.protocol.ControlPipeline;
import dev.parley.protocol.Credentials;
import dev.parley.protocol.Ed25519KeyPair;
import dev.parley.protocol.Envelopes;
import dev.parley.protocol.ErrorClosingHandler;
import dev.parley.protocol.HostPort;
import dev.parley.protocol.ProtocolException;
import dev.parley.protocol.SuperNodeCertificates;
import dev.parley.protocol.X25519KeyPair;
import dev.parley.protocol.tls.Tls;
import dev.parley.protocol.tls.TlsIdentity;
import dev.parley.protocol.wire.Address;
import dev.parley.protocol.wire.Credential;
import dev.parley.protocol.wire.EnrollSuperNode;
import dev.parley.protocol.wire.Envelope;
import dev.parley.protocol.wire.ErrorCode;
import dev.parley.protocol.wire.RenewSuperNode;
import dev.parley.protocol.wire.ServerKey;
import dev.parley.protocol.wire.SuperNodeCertificate;
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
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * An in-test stand-in for the login server: answers {@code GetServerKey} with a test key (or an
 * INTERNAL error while {@link #keyAvailable} is false), {@code EnrollSuperNode} (token
 * {@link #TOKEN} only) and {@code RenewSuperNode} (keys enrolled here, not {@link #revoke revoked})
 * with a certificate of {@link #certificateLifetime}, and, on a connection that got a certificate,
 * {@code SuperNodeHeartbeat} for the certified address with a directory of every super node that
 * sent a heartbeat plus {@link #addPeer extra peers} (certified here), minus the sender. Also
 * issues credentials with its key.
 */
final class FakeLoginServer implements AutoCloseable {
    /** The one enrolment token this fake accepts (any number of times). */
    static final String TOKEN = "fake-enrolment-token";
    final Ed25519KeyPair key;
    volatile Duration certificateLifetime = Duration.ofHours(6);
    volatile InstantSource clock = InstantSource.system();
    final AtomicInteger renewals = new AtomicInteger();
    private final Set<ByteString> enrolled = ConcurrentHashMap.newKeySet();
    private final Set<ByteString> revoked = ConcurrentHashMap.newKeySet();
    private final Map<HostPort, SuperNodeCertificate> certificates = new ConcurrentHashMap<>();
    volatile boolean keyAvailable = true;
    final AtomicInteger connections = new AtomicInteger();
    final AtomicInteger heartbeats = new AtomicInteger();
    /** Rotates each directory by the heartbeat count, as the real directory's most-recently-heard order does. */
    volatile boolean rotateDirectory;
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

    /** Knows the keys enrolled at {@code other}, as login servers sharing one database do. */
    void shareEnrolments(FakeLoginServer other) {
        enrolled.addAll(other.enrolled);
    }

    HostPort address() {
        return new HostPort("127.0.0.1", ((InetSocketAddress) server.localAddress()).getPort());
    }

    /** Lists {@code peer} in every directory from now on, with a certificate for {@link #peerKey}(peer). */
    void addPeer(HostPort peer) {
        certificates.put(peer, certify(peerKey(peer), peer, clock.instant()));
        extraPeers.add(peer);
    }

    /** @return the node key of an {@link #addPeer extra peer}, derived from its address */
    static Ed25519KeyPair peerKey(HostPort peer) {
        return TestKeys.key(peer.hashCode() * 17L + 3);
    }

    /** @return a certificate by this fake's key for {@code node} at {@code address} */
    SuperNodeCertificate certify(Ed25519KeyPair node, HostPort address, Instant now) {
        return SuperNodeCertificates.issue(key, node.publicKey(),
                X25519KeyPair.derive(node, SuperNodeCertificates.MESH_KEY_LABEL).publicKey(), address, now,
                certificateLifetime);
    }

    /** Refuses renewals for this node key from now on. */
    void revoke(byte[] nodeKey) {
        revoked.add(ByteString.copyFrom(nodeKey));
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
        private SuperNodeCertificate certified; // the certificate issued on this connection

        private SuperNodeCertificate answer(ByteString nodeKey, ByteString meshKey, Address address) {
            SuperNodeCertificate c = SuperNodeCertificates.issue(key, nodeKey.toByteArray(), meshKey.toByteArray(),
                    HostPort.of(address), clock.instant(), certificateLifetime);
            certified = c;
            certificates.put(HostPort.of(address), c);
            return c;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, Envelope msg) throws Exception {
            long id = msg.getRequestId();
            switch (msg.getBodyCase()) {
                case ENROLL_SUPERNODE -> {
                    EnrollSuperNode r = msg.getEnrollSupernode();
                    try {
                        SuperNodeCertificates.verifyRequest(true, r.getNodeKey(), r.getMeshKey(), r.getAddress(),
                                r.getSignedAtMs(), r.getSignature(), clock.instant());
                        if (!TOKEN.equals(r.getToken())) {
                            throw new ProtocolException(ErrorCode.INVALID_CREDENTIAL, "enrolment token unknown");
                        }
                        enrolled.add(r.getNodeKey());
                        ctx.writeAndFlush(Envelopes.builder(id).setSupernodeCertificate(
                                answer(r.getNodeKey(), r.getMeshKey(), r.getAddress())).build());
                    } catch (ProtocolException e) {
                        ctx.writeAndFlush(Envelopes.error(id, e));
                    }
                }
                case RENEW_SUPERNODE -> {
                    RenewSuperNode r = msg.getRenewSupernode();
                    renewals.incrementAndGet();
                    try {
                        SuperNodeCertificates.verifyRequest(false, r.getNodeKey(), r.getMeshKey(), r.getAddress(),
                                r.getSignedAtMs(), r.getSignature(), clock.instant());
                        if (!enrolled.contains(r.getNodeKey()) || revoked.contains(r.getNodeKey())) {
                            throw new ProtocolException(ErrorCode.INVALID_CREDENTIAL, "node key not enrolled or revoked");
                        }
                        ctx.writeAndFlush(Envelopes.builder(id).setSupernodeCertificate(
                                answer(r.getNodeKey(), r.getMeshKey(), r.getAddress())).build());
                    } catch (ProtocolException e) {
                        ctx.writeAndFlush(Envelopes.error(id, e));
                    }
                }
                case GET_SERVER_KEY -> ctx.writeAndFlush(keyAvailable
                        ? Envelopes.builder(id).setServerKey(ServerKey.newBuilder()
                                .setPublicKey(ByteString.copyFrom(key.publicKey()))).build()
                        : Envelopes.error(id, ErrorCode.INTERNAL, "key not loaded yet"));
                case SUPERNODE_HEARTBEAT -> {
                    if (certified == null || !certified.getAddress().equals(msg.getSupernodeHeartbeat().getAddress())) {
                        ctx.writeAndFlush(Envelopes.error(id, ErrorCode.INVALID_CREDENTIAL, "not certified for this address"));
                        return;
                    }
                    int beat = heartbeats.incrementAndGet();
                    HostPort sender = HostPort.of(msg.getSupernodeHeartbeat().getAddress());
                    superNodes.add(sender);
                    SuperNodeDirectory.Builder dir = SuperNodeDirectory.newBuilder();
                    List<HostPort> all = Stream.concat(superNodes.stream(), extraPeers.stream())
                            .distinct().filter(a -> !a.equals(sender))
                            .sorted(Comparator.comparingInt(HostPort::port)).collect(Collectors.toCollection(ArrayList::new));
                    if (rotateDirectory) {
                        Collections.rotate(all, beat);
                    }
                    for (HostPort a : all) {
                        SuperNodeCertificate c = certificates.get(a);
                        if (c != null) {
                            dir.addSuperNodes(a.toAddress()).addCertificates(c);
                        }
                    }
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
