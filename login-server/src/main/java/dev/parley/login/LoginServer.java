package dev.parley.login;

import dev.parley.protocol.AtomicFiles;
import dev.parley.protocol.ConnectionGuard;
import dev.parley.protocol.ControlPipeline;
import dev.parley.protocol.Ed25519KeyPair;
import dev.parley.protocol.ErrorClosingHandler;
import dev.parley.protocol.HostPort;
import dev.parley.protocol.tls.KeyVerifier;
import dev.parley.protocol.tls.Tls;
import dev.parley.protocol.tls.TlsIdentity;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.HexFormat;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Parley login server: accounts, credential issuing and the super-node directory over a
 * framed-protobuf TCP control connection (see {@link LoginHandler} for the requests served).
 *
 * <p>Abuse limits ({@link LoginLimits}): connections per address and idle timeout
 * ({@link ConnectionGuard}), password work per address and backoff after failed logins ({@link LoginGuard}).
 *
 * <p>Administrators use the same port: {@link AdminHandler} in front of {@link LoginHandler} serves
 * their signed requests (admin keys in the database, {@link AdminStore}); the super nodes' login links
 * ({@link SuperNodeLinks}) carry their load and the queries for online lists and dropped sessions.
 *
 * <p>Threads: one Netty acceptor loop, Netty worker loops for the connections, and
 * {@link LoginServerConfig#workerThreads()} worker threads for Argon2id and JDBC.
 *
 * <p>Files in the data dir: {@code login-server.key} (32-byte Ed25519 seed, owner-only; kept
 * across restarts so issued credentials stay valid), {@code login-server.pub} (public key, hex,
 * for operators configuring super nodes) and, unless a JDBC URL is given, {@code accounts.db}.
 *
 * <p>Several login servers may share one database (PostgreSQL, {@code --db}): they then share the
 * accounts, the enrolment tables, the super-node directory ({@link DirectorySync}) and one signing
 * key ({@link TrustRoot}: each needs a copy of {@code login-server.key}), so any of them serves any
 * client or super node (docs/operations.md "Scale-out").
 */
public final class LoginServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LoginServer.class);
    /** Seconds to wait for worker threads to finish on close. */
    private static final long SHUTDOWN_TIMEOUT_SECONDS = 10;

    private final Ed25519KeyPair key;
    private final AccountStore store;
    private final AccountService accounts;
    private final SuperNodeAdmin admin;
    private final ThreadPoolExecutor worker;
    private final EventLoopGroup acceptorGroup;
    private final EventLoopGroup connectionGroup;
    private final Channel serverChannel;
    private final HostPort boundAddress;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final DirectorySync sync;
    private final Promoter promoter;

    private LoginServer(Ed25519KeyPair key, AccountStore store, AccountService accounts, SuperNodeAdmin admin,
            ThreadPoolExecutor worker, EventLoopGroup acceptorGroup, EventLoopGroup connectionGroup, Channel serverChannel,
            HostPort boundAddress, DirectorySync sync, Promoter promoter) {
        this.promoter = promoter;
        this.sync = sync;
        this.key = key;
        this.admin = admin;
        this.store = store;
        this.accounts = accounts;
        this.worker = worker;
        this.acceptorGroup = acceptorGroup;
        this.connectionGroup = connectionGroup;
        this.serverChannel = serverChannel;
        this.boundAddress = boundAddress;
    }

    /**
     * Loads or creates the signing key, opens and migrates the account database, and binds.
     *
     * @param config settings
     * @return the running server
     * @throws IOException if the data dir, key or database cannot be used, or the address cannot be bound
     */
    public static LoginServer start(LoginServerConfig config) throws IOException {
        return start(config, LoginMetrics.none());
    }

    /**
     * As {@link #start(LoginServerConfig)}, counting requests and binding gauges in {@code metrics}.
     *
     * @param config settings
     * @param metrics where to count (see {@link LoginMetrics})
     * @return the running server
     * @throws IOException if the data dir, key or database cannot be used, or the address cannot be bound
     */
    public static LoginServer start(LoginServerConfig config, LoginMetrics metrics) throws IOException {
        return start(config, metrics, PromotionPolicy.DEFAULTS);
    }

    /**
     * As {@link #start(LoginServerConfig, LoginMetrics)}, promoting and demoting serving clients by
     * {@code policy} (docs/architecture.md "Self-organizing overlay"; tests shorten its times).
     *
     * @throws IOException if the data dir, key or database cannot be used, or the address cannot be bound
     */
    public static LoginServer start(LoginServerConfig config, LoginMetrics metrics, PromotionPolicy policy)
            throws IOException {
        Path dataDir = config.dataDir();
        AtomicFiles.createPrivateDirectories(dataDir);
        if (config.jdbcUrl() == null) {
            createOwnerOnly(dataDir.resolve("accounts.db"));
        }
        AccountStore store;
        try {
            // One connection per worker, and one for the directory's synchronization (DirectorySync).
            store = AccountStore.open(config.effectiveJdbcUrl(), config.workerThreads() + 1);
        } catch (SQLException e) {
            throw new IOException(e.getMessage(), e);
        }
        Ed25519KeyPair key;
        try {
            // Checked against the database's trust root: login servers sharing it share one key.
            key = TrustRoot.load(store.dataSource(), dataDir.resolve("login-server.key"), config.random(), config.clock());
            writePublicKey(dataDir.resolve("login-server.pub"), key.publicKey());
        } catch (IOException e) {
            store.close();
            throw e;
        }
        DirectorySync sync = null;
        Promoter promoter = null;
        ThreadPoolExecutor worker = null;
        EventLoopGroup acceptorGroup = null;
        EventLoopGroup connectionGroup = null;
        try {
            // Bounded queue + AbortPolicy: overload is answered with RATE_LIMITED, never queued without limit.
            worker = new ThreadPoolExecutor(config.workerThreads(), config.workerThreads(), 0, TimeUnit.MILLISECONDS,
                    new ArrayBlockingQueue<>(config.workQueueCapacity()), new DefaultThreadFactory("login-worker"),
                    new ThreadPoolExecutor.AbortPolicy());
            PasswordHasher hasher = new PasswordHasher(config.argon2(), config.random());
            AccountService accounts = new AccountService(store, hasher, key, config.clock(), config.credentialLifetime());
            SuperNodeRegistry directory = new SuperNodeRegistry(config.clock(), config.superNodeTtl(),
                    SuperNodeRegistry.DEFAULT_MAX_ENTRIES);
            sync = new DirectorySync(store.dataSource(), directory, config.clock(), config.superNodeTtl(),
                    SuperNodeRegistry.DEFAULT_MAX_ENTRIES);
            sync.start(DirectorySync.DEFAULT_PERIOD);
            SuperNodeStore superNodes = new SuperNodeStore(store.dataSource());
            SuperNodeCertifier certifier = new SuperNodeCertifier(superNodes, key, config.clock(), directory);
            SuperNodeAdmin admin = new SuperNodeAdmin(superNodes, config.clock(), config.random(), null);
            byte[] publicKey = key.publicKey();
            ThreadPoolExecutor executor = worker;
            LoginGuard guard = new LoginGuard(config.limits(), config.clock());
            metrics.bindGauges(directory, worker);
            // Administration (docs/security.md "Administrators"): admin keys in the database, the
            // super nodes' login links for their load, online lists and dropped sessions.
            SuperNodeLinks links = new SuperNodeLinks(SuperNodeRegistry.DEFAULT_MAX_ENTRIES);
            UploadEstimates uploads = new UploadEstimates();
            AdminService adminService = new AdminService(accounts, store, new AdminStore(store), links, uploads,
                    config.clock());
            AdminGuard adminGuard = new AdminGuard(config.clock());
            ConnectionGuard connections = new ConnectionGuard(config.limits().connectionsPerAddress(),
                    config.limits().idleTimeout());
            SslContext tls = Tls.server(TlsIdentity.of(key, "parley login server", config.clock().instant()));

            acceptorGroup = new NioEventLoopGroup(1, new DefaultThreadFactory("login-accept"));
            connectionGroup = new NioEventLoopGroup(0, new DefaultThreadFactory("login-io"));
            // Clients offering to serve: probes and the promotion policy (docs/architecture.md "Self-organizing overlay").
            promoter = new Promoter(certifier, directory, links, new ReachabilityProbe(connectionGroup, System::nanoTime,
                    config.limits().probes()),
                    config.clock(), config.random(), policy, uploads);
            Promoter promotions = promoter;
            ServerBootstrap bootstrap = new ServerBootstrap().group(acceptorGroup, connectionGroup)
                    .channel(NioServerSocketChannel.class)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            // TLS first: the over-cap and idle errors are answered inside the encryption too.
                            ControlPipeline.install(ch, tls, ControlPipeline.DEFAULT_MAX_FRAME_BYTES);
                            connections.install(ch);
                            ch.pipeline().addLast("admin", new AdminHandler(adminService, adminGuard, links, publicKey,
                                    config.random(), executor));
                            ch.pipeline().addLast("login", new LoginHandler(accounts, directory, publicKey, executor, guard,
                                    certifier, config.clock(), metrics, links, promotions));
                            ch.pipeline().addLast("errors", ErrorClosingHandler.INSTANCE);
                        }
                    });
            Channel serverChannel = bootstrap.bind(config.listen().host(), config.listen().port())
                    .syncUninterruptibly().channel();
            InetSocketAddress local = (InetSocketAddress) serverChannel.localAddress();
            HostPort bound = new HostPort(local.getAddress().getHostAddress(), local.getPort());
            log.info("login server listening on {} (data dir {}, public key {}, fingerprint {})", bound,
                    dataDir.toAbsolutePath(), HexFormat.of().formatHex(publicKey), KeyVerifier.fingerprint(publicKey));
            return new LoginServer(key, store, accounts, admin, worker, acceptorGroup, connectionGroup, serverChannel, bound,
                    sync, promoter);
        } catch (Exception e) {
            // Netty rethrows bind failures (java.net.BindException) without declaring them.
            if (promoter != null) {
                promoter.close();
            }
            shutdown(acceptorGroup, connectionGroup, worker, sync, store);
            if (e instanceof IOException io) {
                throw new IOException("cannot bind " + config.listen() + ": " + io.getMessage(), io);
            }
            if (e instanceof RuntimeException re) {
                throw re;
            }
            throw new IOException("cannot start login server: " + e.getMessage(), e);
        }
    }

    /** @return the address actually bound (the real port when the config asked for port 0) */
    public HostPort boundAddress() {
        return boundAddress;
    }

    /**
     * @return the account logic (disable, password change; blocking: call off the event loops), for
     *     operators' tools and tests
     */
    public AccountService accounts() {
        return accounts;
    }

    /**
     * @return enrolment tokens and revocation on this server's database (blocking: call off the
     *     event loops), for in-process fixtures ({@code parley demo}, benchmarks, tests)
     */
    public SuperNodeAdmin superNodes() {
        return admin;
    }

    /** @return a copy of the server's raw 32-byte Ed25519 public key, which verifies its credentials */
    public byte[] publicKey() {
        return key.publicKey();
    }

    /** Closes the listening socket and all connections, stops the threads and the database pool; idempotent. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        serverChannel.close().syncUninterruptibly();
        promoter.close();
        shutdown(acceptorGroup, connectionGroup, worker, sync, store);
        log.info("login server on {} closed", boundAddress);
    }

    /**
     * Shuts {@code group} down and waits a bounded time: an event loop that misses its wake-up (seen
     * with Netty 4.2.18: a loop left in {@code select()} after its group's shutdown) must not keep
     * SIGTERM from stopping the server; the JVM exits after the shutdown hook anyway.
     */
    private static void stopLoops(String name, @Nullable EventLoopGroup group) {
        if (group == null) {
            return;
        }
        if (!group.shutdownGracefully(0, SHUTDOWN_TIMEOUT_SECONDS, TimeUnit.SECONDS)
                .awaitUninterruptibly(SHUTDOWN_TIMEOUT_SECONDS + 2, TimeUnit.SECONDS)) {
            log.warn("{} event loops did not stop within {} s; going on", name, SHUTDOWN_TIMEOUT_SECONDS + 2);
        }
    }

    private static void shutdown(EventLoopGroup acceptorGroup, EventLoopGroup connectionGroup,
            ThreadPoolExecutor worker, @Nullable DirectorySync sync, AccountStore store) {
        stopLoops("acceptor", acceptorGroup);
        stopLoops("connection", connectionGroup);
        if (worker != null) {
            // Queued requests would only answer closed channels: drop them, let running ones finish.
            worker.shutdownNow();
            try {
                if (!worker.awaitTermination(SHUTDOWN_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                    log.warn("worker threads still busy after {} s; closing the database anyway", SHUTDOWN_TIMEOUT_SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (sync != null) {
            sync.close();
        }
        store.close();
    }

    /**
     * Creates {@code file} empty and owner-only if missing (SQLite takes an empty file as a new
     * database and gives its journal files the same permissions), else restricts it to the owner.
     */
    private static void createOwnerOnly(Path file) throws IOException {
        if (!Files.exists(file)) {
            Files.createFile(file);
        }
        AtomicFiles.restrictToOwner(file);
    }

    private static void writePublicKey(Path file, byte[] publicKey) throws IOException {
        byte[] hex = (HexFormat.of().formatHex(publicKey) + "\n").getBytes(StandardCharsets.US_ASCII);
        AtomicFiles.write(file, AtomicFiles.WORLD_READABLE, out -> out.write(hex));
    }
}
