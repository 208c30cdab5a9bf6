package dev.parley.supernode;

import dev.parley.nat.relay.MediaRelay;
import dev.parley.nat.relay.RelayAllocationTable;
import dev.parley.nat.stun.StunBindingHandler;
import dev.parley.protocol.ConnectionGuard;
import dev.parley.protocol.ControlPipeline;
import dev.parley.protocol.ErrorClosingHandler;
import dev.parley.protocol.HostPort;
import dev.parley.protocol.tls.KeyPin;
import dev.parley.protocol.tls.Tls;
import dev.parley.protocol.tls.TlsIdentity;
import dev.parley.protocol.wire.SuperNodeCertificate;
import dev.parley.supernode.meshauth.MeshKeys;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Parley super node: holds the presence of the clients registered to it, answers searches (from
 * its own presence, a short-lived cache, or its peer super nodes) and relays call signals between
 * super nodes. Everything runs on one TCP port of varint32-framed {@code Envelope}s
 * (see {@code docs/protocol.md} and {@link HandshakeHandler} and the role handlers it hands over to).
 *
 * <p>On start it binds, then keeps a control connection to the login server for its public key
 * and the directory of peer super nodes (see {@link LoginLink}). Until the key is known,
 * {@code Register} is refused with {@code INTERNAL} "login server key not yet known".
 *
 * <p>Thread-safe. Closing is idempotent and releases every channel and event loop.
 */
public final class SuperNode implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SuperNode.class);
    /** How long a positive search answer from a peer is reused (cache TTL, measured on the configured clock). */
    public static final Duration POSITIVE_CACHE_TTL = SearchSettings.DEFAULTS.positiveTtl();
    private static final int UDP_BIND_ATTEMPTS = 8;
    private static final Duration SHUTDOWN_TIMEOUT = Duration.ofSeconds(3);

    private final SuperNodeConfig config;
    private final NodeLoops loops;
    private final EventLoopGroup workers;
    /** Every accepted connection; once closed, it closes what is added later (accepted while closing). */
    private final ChannelGroup channels = new DefaultChannelGroup("supernode", GlobalEventExecutor.INSTANCE, true);
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile boolean aborted; // abortConnections(): say nothing on anyone's behalf any more
    private @Nullable Channel serverChannel;
    private @Nullable HostPort bound;
    private HostPort advertised;
    private @Nullable LoginLink loginLink;
    private @Nullable PeerConnections peers;
    private PresenceIndex presence;
    private @Nullable ScheduledFuture<?> expirySweep;
    private @Nullable Mesh mesh;
    private UserLocator locator;
    private @Nullable NodeIdentity identity;
    private volatile NodeContext context; // set before the server channel accepts

    private final MeterRegistry registry;

    private SuperNode(SuperNodeConfig config, @Nullable EventLoopGroup shared, MeterRegistry registry) {
        this.config = config;
        this.registry = registry;
        this.loops = NodeLoops.of(shared);
        this.workers = loops.workers();
    }

    /**
     * Starts a super node with a fresh {@link SecureRandom} for nonces.
     *
     * @throws IOException if the listen address cannot be bound
     */
    public static SuperNode start(SuperNodeConfig config) throws IOException {
        return start(config, new SecureRandom());
    }

    /**
     * Starts a super node: binds {@code config.listen()} and starts talking to the login server in
     * the background (see {@link #ready()}).
     *
     * @param config the settings
     * @param random source of the 32-byte {@code ServerHello} nonces (tests pass a seeded one)
     * @return the running super node
     * @throws IOException if the listen address cannot be bound (the super node is then closed)
     */
    public static SuperNode start(SuperNodeConfig config, SecureRandom random) throws IOException {
        return start(config, random, null);
    }

    /**
     * Starts a super node on a shared event loop group, so that many super nodes in one JVM (the
     * bots benchmark, tests) need no threads of their own.
     *
     * @param config the settings
     * @param random source of nonces, mesh request ids and the seeds of peer shuffles
     * @param shared event loops for all channels and timers (this super node uses one of its loops for
     *     everything); without one, the super node creates (and on close shuts down) its own. A
     *     shared group is never shut down by the super node.
     * @return the running super node
     * @throws IOException if the TCP or UDP listen address cannot be bound (the super node is then closed)
     */
    public static SuperNode start(SuperNodeConfig config, SecureRandom random, @Nullable EventLoopGroup shared) throws IOException {
        return start(config, random, shared, new CompositeMeterRegistry());
    }

    /**
     * As {@link #start(SuperNodeConfig, SecureRandom, EventLoopGroup)}, with meters (searches, mesh
     * traffic, relay, registered clients, rate limits; docs/operations.md "Metrics and health") in
     * {@code registry}.
     *
     * @param registry where this super node's meters are registered (one super node per registry:
     *     the names carry no per-node tag)
     * @throws IOException if the TCP or UDP listen address cannot be bound (the super node is then closed)
     */
    public static SuperNode start(SuperNodeConfig config, SecureRandom random, @Nullable EventLoopGroup shared,
            MeterRegistry registry) throws IOException {
        SuperNode node = new SuperNode(config, shared, registry);
        try {
            node.bind(random);
        } catch (IOException | RuntimeException e) {
            node.close();
            throw e;
        }
        return node;
    }

    /** The login server's key, pinned on first use (docs/security.md), in the data dir. */
    static final String LOGIN_KEY_PIN = "login-key.pin";

    private static final long RELAY_EXPIRY_PERIOD_MS = 5_000;
    private MediaRelay relay;

    /** @return the media relay on this super node's UDP port */
    public MediaRelay relay() {
        return relay;
    }

    private void bind(SecureRandom random) throws IOException {
        NodeIdentity identity = NodeIdentity.load(config.dataDir(), random);
        this.identity = identity;
        if (identity.certificate() == null && config.enrollToken() == null) {
            throw new IOException("super node not enrolled: no certificate in " + config.dataDir().resolve(
                    NodeIdentity.CERT_FILE) + ". On the login server's host run `parley login-server enroll`, then start "
                    + "this super node once with --enroll TOKEN (docs/security.md \"Certified super nodes\")");
        }
        if (identity.certificate() != null && config.enrollToken() != null) {
            log.info("super node already enrolled ({}): the enrolment token is not needed", NodeIdentity.CERT_FILE);
        }
        // TLS 1.3 on the control port with the node key, which the login server certifies: clients
        // and peers check the certificate in ServerHello names the key TLS presented.
        SslContext tls = Tls.server(TlsIdentity.of(identity.nodeKey(), "parley super node", config.clock().instant()));
        KeyPin loginKey = KeyPin.open(config.dataDir().resolve(LOGIN_KEY_PIN), "login server", config.loginKey());
        ConnectionGuard connections = new ConnectionGuard(config.limits().connectionsPerAddress(),
                config.limits().idleTimeout());
        // The handlers need the advertised address, known only after binding (port 0): bind with
        // accepting paused, build the context, then start accepting.
        ServerBootstrap b = new ServerBootstrap().group(loops.boss(), workers).channel(NioServerSocketChannel.class)
                .option(ChannelOption.AUTO_READ, false)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.SO_KEEPALIVE, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        channels.add(ch);
                        ControlPipeline.install(ch, tls, ControlPipeline.DEFAULT_MAX_FRAME_BYTES);
                        connections.install(ch); // inside TLS, as on the login server
                        ch.pipeline().addLast(HandshakeHandler.NAME, new HandshakeHandler(context));
                        ch.pipeline().addLast("errors", ErrorClosingHandler.INSTANCE);
                    }
                });
        LoginLink[] link = new LoginLink[1]; // the mesh and peer links read the key the link learns
        Supplier<byte @Nullable []> serverKey = () -> link[0] == null ? null : link[0].serverKey();
        // Mesh datagrams are sealed between certified super nodes: this node's keys, a boot id, and
        // the peers' certificates (verified with the login server's key).
        MeshKeys meshKeys = new MeshKeys(identity.mesh(), serverKey, config.clock(), random, MeshKeys.Limits.DEFAULTS);
        MeshTransport transport = null;
        for (int attempt = 1; transport == null; attempt++) {
            ChannelFuture f = b.bind(config.listen().host(), config.listen().port()).awaitUninterruptibly();
            if (!f.isSuccess()) {
                throw new IOException("cannot listen on " + config.listen() + ": " + f.cause().getMessage(), f.cause());
            }
            serverChannel = f.channel();
            InetSocketAddress local = (InetSocketAddress) serverChannel.localAddress();
            try {
                // The mesh's UDP socket uses the same port number as the TCP listener.
                relay = new MediaRelay(new RelayAllocationTable(config.clock(), random, config.relayLimits()));
                // Request ids straight from the SecureRandom: they are what stops forged mesh answers.
                transport = MeshTransport.bind(loops.udp(), local, random, meshKeys,
                        List.of(relay.handler(), new StunBindingHandler("parley-supernode")));
            } catch (IOException e) {
                serverChannel.close().awaitUninterruptibly();
                if (config.listen().port() != 0 || attempt >= UDP_BIND_ATTEMPTS) {
                    throw e;
                }
            }
        }
        InetSocketAddress local = (InetSocketAddress) serverChannel.localAddress();
        bound = new HostPort(config.listen().host(), local.getPort());
        advertised = AdvertisedAddress.choose(config.advertise(), bound, config.login(), AdvertisedAddress.localAddresses());

        SearchSettings search = config.search();
        presence = new PresenceIndex(config.clock());
        Duration interestTtl = search.positiveTtl().compareTo(search.negativeTtl()) > 0
                ? search.positiveTtl() : search.negativeTtl();
        mesh = new Mesh(transport, advertised, presence, config.clock(), config.mesh(), interestTtl, random.nextLong(),
                identity, serverKey);
        peers = new PeerConnections(workers, config.peerRequestTimeout(), identity, serverKey, config.clock());
        Mesh meshRef = mesh;
        LoginQueries queries = new LoginQueries(presence, presence.revoked(), () -> meshRef.livePeers().size(), relay);
        loginLink = new LoginLink(workers.next(), config.logins(), loginKey, advertised, config.heartbeatInterval(),
                identity, config.enrollToken(), config.clock(), directory -> {
                    mesh.onDirectory(directory);
                    peers.openFirst(directory.stream().map(c -> HostPort.of(c.getAddress())).toList(), advertised);
                }, queries);
        link[0] = loginLink;
        locator = new UserLocator(mesh, loginLink::serverKey, config.clock(), search, random.nextLong(),
                new NodeMeters(registry));
        SuperNodeMetrics.bind(registry, presence, mesh, locator, transport, relay);
        // Cached answers go first, then the mesh tells the peers that asked about the user.
        presence.addListener(locator::invalidate);
        presence.addListener(mesh::presenceChanged);
        mesh.addRemoteListener(locator::invalidate);
        mesh.addDeathListener(locator::invalidateAt);
        mesh.addDigestListener(locator::newDigest);
        SignalRouter router = new SignalRouter(presence, locator, peers, config.peerRequestTimeout());
        // Chat packets route like call signals; mailboxes (and their bounded memories) live on one loop.
        ChatRelay chat = new ChatRelay(advertised, mesh::livePeers, router, peers, config.peerRequestTimeout(),
                loginLink::serverKey, config.clock(), workers.next(), ChatLimits.DEFAULTS);
        context = new NodeContext(advertised, config.clock(), random, loginLink::serverKey,
                mesh::livePeers, presence, locator, router, search, relay, config.limits(), identity, chat, () -> aborted || closed.get());
        relay.expireIdleEvery(RELAY_EXPIRY_PERIOD_MS);
        PresenceIndex registered = presence;
        expirySweep = workers.next().scheduleWithFixedDelay(() -> CredentialExpiry.sweep(registered, config.clock()),
                CredentialExpiry.PERIOD_MS, CredentialExpiry.PERIOD_MS, TimeUnit.MILLISECONDS);
        serverChannel.config().setAutoRead(true);
        log.info("super node listening on {} (TCP and UDP; advertised as {}), login servers {}, node key {}", bound,
                advertised, config.logins(), identity.fingerprint());
        loginLink.start();
        mesh.start();
    }

    /** @return the bound listen address (the configured host with the actual port) */
    public HostPort boundAddress() {
        return bound;
    }

    /** @return the address given to the login server, clients and peers */
    public HostPort advertisedAddress() {
        return advertised;
    }

    /**
     * @return completes when the login server's key is known, this super node is certified and the
     *     first heartbeat was answered; fails if the login server refused the enrolment or renewal
     *     ({@code ProtocolException}), is not the pinned one, or the super node is closed first
     */
    public CompletableFuture<Void> ready() {
        return loginLink.ready();
    }

    /**
     * @return this super node's current certificate from the login server (none before the first
     *     enrolment answered)
     */
    public @Nullable SuperNodeCertificate certificate() {
        return identity == null ? null : identity.certificate();
    }

    UserLocator locator() {
        return locator;
    }

    /** @return the mesh (tests: its peers' certificates) */
    Mesh mesh() {
        return mesh;
    }

    /** @return the TCP links to peer super nodes this node opened (or is opening) */
    long peerLinks() {
        return peers.openOrOpening();
    }

    /** @return the number of clients registered on this super node */
    public int onlineUsers() {
        return presence.size();
    }

    /**
     * @return the peer super nodes in the mesh's table (login-server directory and gossip; never
     *     this one), as of the last table change
     */
    public List<HostPort> knownPeers() {
        return mesh.knownPeers();
    }

    /** @return the peers a search may ask now (not dead), as of the last table change */
    public List<HostPort> livePeers() {
        return mesh.livePeers();
    }

    /**
     * Runs one mesh round now (ping every peer: liveness, gossip, digests), besides the periodic ones.
     *
     * @return completes when every ping was answered or missed
     */
    public CompletableFuture<Void> meshRound() {
        return mesh.round();
    }

    /** @return chat packets this super node keeps as a mailbox replica (blocks briefly: not from its own loop) */
    public int mailboxPackets() {
        return context.chat() == null ? 0 : context.chat().kept().join();
    }

    /** @return counters of this super node (thread-safe snapshot) */
    public SuperNodeStats stats() {
        return new SuperNodeStats(presence.size(), mesh.knownPeers().size(), mesh.livePeers().size(),
                locator.counters().searches(), locator.counters().cacheHits(), mesh.lookupsServed(), locator.counters().rejectedRecords(),
                locator.cachedEntries(), mesh.dropped(),
                locator.counters().notFoundReasons(), locator.counters().throttled(), mesh.shed(), mesh.refused(),
                mesh.transport().traffic(MeshTransport.DATAGRAMS_SENT), mesh.deaths().spread(), mesh.deaths().unspread());
    }

    /**
     * Ends every accepted connection at once from the calling thread, as the kernel does for a
     * process that dies ({@link SocketAbort}), and says nothing more on its clients' behalf (no
     * offline notice, no {@code PeerGone}); {@link #close()} must still be called. The bots
     * benchmark's kills do this ({@code parley bots --self-organizing --kill-every}).
     */
    public void abortConnections() {
        aborted = true;
        SocketAbort.shutdownAll(serverChannel, channels);
    }

    /** Closes all connections and event loops, waiting up to a few seconds; idempotent. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        if (expirySweep != null) {
            expirySweep.cancel(false);
        }
        boolean inLoop = loops.inLoop();
        // Clients first: they rejoin elsewhere while the mesh socket closes (it waits for its
        // loop, up to 1 s when busy) and the data dir writes finish. The listener closes before
        // them: a client that reconnects the moment it is dropped must be refused, not registered
        // by a node that is going away.
        if (serverChannel != null) {
            ChannelFuture listening = serverChannel.close();
            if (!inLoop) { // waiting from one of our loops could deadlock; the group closes what it accepts meanwhile
                listening.awaitUninterruptibly(SHUTDOWN_TIMEOUT.toMillis());
            }
        }
        channels.close();
        if (loginLink != null) {
            loginLink.close();
        }
        if (peers != null) {
            peers.close();
        }
        if (mesh != null) {
            mesh.close();
        }
        if (loginLink != null && !inLoop) { // waiting from one of our own loops would deadlock
            loginLink.awaitStored(SHUTDOWN_TIMEOUT);
        }
        if (!loops.owned()) {
            channels.close().awaitUninterruptibly(SHUTDOWN_TIMEOUT.toMillis());
            log.info("super node {} closed", bound);
            return;
        }
        loops.shutdown(SHUTDOWN_TIMEOUT, !inLoop); // waiting from one of our own loops would deadlock
        if (bound != null) {
            log.info("super node {} closed", bound);
        }
    }
}
