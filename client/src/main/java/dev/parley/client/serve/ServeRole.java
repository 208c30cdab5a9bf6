package dev.parley.client.serve;

import com.google.protobuf.ByteString;
import dev.parley.protocol.AtomicFiles;
import dev.parley.protocol.ControlConnection;
import dev.parley.protocol.Ed25519KeyPair;
import dev.parley.protocol.Futures;
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
import dev.parley.protocol.wire.LiveSuperNodes;
import dev.parley.protocol.wire.ServeOffer;
import dev.parley.protocol.wire.ServeOrder;
import dev.parley.protocol.wire.SuperNodeCertificate;
import dev.parley.supernode.SuperNode;
import dev.parley.supernode.SuperNodeConfig;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.ssl.SslContext;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A client's super-node role (docs/architecture.md "Self-organizing overlay"). It keeps a TLS
 * connection to the login server on which it offers to serve ({@code ServeOffer}, signed by its
 * node key in {@code DATA/supernode/node.key}), listens on its serve port for the reachability
 * probe ({@link ProbeListener}), echoes the probe's nonce (only a probe from the login server's
 * host) and sends the upload burst the login server then asks for ({@link ProbeResponder},
 * {@link UploadBurst}, paced at its stated share). When the login server pushes a
 * certificate ({@code ServeOrder}), it runs a {@link SuperNode} in this process on that port
 * (TCP and UDP) within the caps of its {@link ServeSettings}, which renews the certificate over its own login link; a demotion push, or the
 * loss of the offer connection, stops it. The user's own session (login, super-node session,
 * calls) is separate and unaffected.
 *
 * <p>All state is confined to one thread ({@code client-serve}): starting a super node binds
 * sockets and reads files, so it never runs on a network event loop.
 */
public final class ServeRole implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ServeRole.class);
    /** The super-node role's data dir inside the client's. */
    public static final String DIR = "supernode";
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(5);
    /** Retry after the login server was unreachable, or a lost offer connection, ms. */
    private static final long RETRY_MS = 5_000;
    /** Retry after a refused offer (rate limited, probe failed), ms: offers cost the login server a probe. */
    private static final long REFUSED_RETRY_MS = 30_000;
    /** Retry after NOT_ELIGIBLE (behind a NAT: only a new address could change that), ms. */
    private static final long NOT_ELIGIBLE_RETRY_MS = 600_000;
    /**
     * Keepalive on the offer connection, ms: the login server closes connections idle for 60 s, and
     * closing this one would demote a serving client.
     */
    private static final long KEEPALIVE_MS = 20_000;
    /** Heartbeats of a serving client: 2 s, so a new super node enters the directory and its peers quickly. */
    private static final Duration HEARTBEAT = Duration.ofSeconds(2);

    private final EventLoopGroup io;
    private final List<HostPort> logins;
    private final SslContext loginTls;
    private final String loginKeyFingerprint;
    private final Path dir;
    private final ServeSettings settings;
    private final InstantSource clock;
    private final Ed25519KeyPair nodeKey;
    private final X25519KeyPair meshKey;
    private final SslContext probeTls;
    private final long startedAtMs;
    private final UnaryOperator<SuperNodeConfig> adjust;
    private final ScheduledExecutorService thread;
    private final ProbeResponder probes;
    private @Nullable ControlConnection link; // thread only
    private @Nullable ProbeListener listener; // thread only
    private @Nullable HostPort address; // thread only: where this client serves (or would)
    private volatile @Nullable SuperNode serving;
    private volatile @Nullable String refused;
    private int offers; // thread only
    private long retryMs = RETRY_MS; // thread only: delay before the next offer after this link is lost
    private long notEligibleRetryMs = REFUSED_RETRY_MS / 2; // thread only: doubles with each refusal
    private boolean closed; // thread only

    private ServeRole(EventLoopGroup io, List<HostPort> logins, SslContext loginTls, byte[] loginKey, Path clientDir,
            ServeSettings settings, InstantSource clock, SecureRandom random, UnaryOperator<SuperNodeConfig> adjust,
            int burstPaceKbps) throws IOException {
        this.io = io;
        this.adjust = adjust;
        this.logins = List.copyOf(logins);
        this.loginTls = loginTls;
        this.loginKeyFingerprint = KeyVerifier.fingerprint(loginKey);
        this.dir = clientDir.resolve(DIR);
        this.settings = settings;
        this.clock = clock;
        AtomicFiles.createPrivateDirectories(dir);
        this.nodeKey = Ed25519KeyPair.loadOrCreate(dir.resolve("node.key"), random);
        this.meshKey = X25519KeyPair.derive(nodeKey, SuperNodeCertificates.MESH_KEY_LABEL);
        this.probeTls = Tls.server(TlsIdentity.of(nodeKey, "parley super node", clock.instant()));
        this.startedAtMs = clock.millis();
        this.thread = Executors.newSingleThreadScheduledExecutor(new DefaultThreadFactory("client-serve", true));
        this.probes = new ProbeResponder(REQUEST_TIMEOUT, burstPaceKbps, this::execute);
    }

    /**
     * Starts offering to serve (asynchronously). Blocking (reads or creates the node key).
     *
     * @param io the client's event loops (the offer connection, the probe listener)
     * @param logins the login servers (the first answering one is used)
     * @param loginTls TLS trusting only the pinned login server key
     * @param loginKey the login server's raw key (the super node pins it)
     * @param clientDir the client's data dir; the role keeps its node key and certificate in {@value #DIR}
     * @throws IOException if the node key cannot be read or created
     */
    public static ServeRole start(EventLoopGroup io, List<HostPort> logins, SslContext loginTls, byte[] loginKey,
            Path clientDir, ServeSettings settings, InstantSource clock, SecureRandom random) throws IOException {
        return start(io, logins, loginTls, loginKey, clientDir, settings, clock, random, UnaryOperator.identity());
    }

    /**
     * As {@link #start(EventLoopGroup, List, SslContext, byte[], Path, ServeSettings, InstantSource, SecureRandom)},
     * with {@code adjust} applied to the embedded super node's configuration when promoted (a bot
     * fleet on one host raises its per-address limit values; it cannot turn a limit off, as
     * {@link SuperNodeConfig} accepts only positive limits).
     *
     * @throws IOException if the node key cannot be read or created
     */
    public static ServeRole start(EventLoopGroup io, List<HostPort> logins, SslContext loginTls, byte[] loginKey,
            Path clientDir, ServeSettings settings, InstantSource clock, SecureRandom random,
            UnaryOperator<SuperNodeConfig> adjust) throws IOException {
        return start(io, logins, loginTls, loginKey, clientDir, settings, clock, random, adjust,
                settings.bandwidthShareKbps());
    }

    /** As above, pacing the upload burst at {@code burstPaceKbps} instead of the stated share (tests: a slow uplink). */
    static ServeRole start(EventLoopGroup io, List<HostPort> logins, SslContext loginTls, byte[] loginKey,
            Path clientDir, ServeSettings settings, InstantSource clock, SecureRandom random,
            UnaryOperator<SuperNodeConfig> adjust, int burstPaceKbps) throws IOException {
        ServeRole role = new ServeRole(io, logins, loginTls, loginKey, clientDir, settings, clock, random, adjust,
                burstPaceKbps);
        role.execute(role::connect);
        return role;
    }

    /** @return the super node this client runs now, none while it does not serve */
    public @Nullable SuperNode superNode() {
        return serving;
    }

    /** @return why the login server found this client not eligible, none if it did not (yet) */
    public @Nullable String refused() {
        return refused;
    }

    /** @return the upload the login server measured in this client's last burst, kbit/s; -1 before any answer */
    public int measuredUploadKbps() {
        return probes.measuredUploadKbps();
    }

    /** @return the node key's fingerprint (as the login server and operators name it) */
    public String fingerprint() {
        return KeyVerifier.fingerprint(nodeKey.publicKey());
    }

    private void connect() {
        if (closed) {
            return;
        }
        HostPort login = logins.get(offers++ % logins.size());
        ControlConnection.connect(io, login, loginTls, push -> execute(() -> onPush(push)), REQUEST_TIMEOUT)
                .whenComplete((c, e) -> execute(() -> {
                    if (e != null) {
                        log.debug("serve offer: login server {} unreachable: {}", login, e.getMessage());
                        later(this::connect, RETRY_MS);
                    } else {
                        offer(c);
                    }
                }));
    }

    private void offer(ControlConnection c) {
        if (closed) {
            c.close();
            return;
        }
        link = c;
        c.closeFuture().thenRun(() -> execute(() -> linkLost(c)));
        String host = ((InetSocketAddress) c.channel().localAddress()).getAddress().getHostAddress();
        try {
            if (listener == null) {
                int port = address != null ? address.port() : settings.port();
                listener = ProbeListener.bind(io, host, port, probeTls,
                        (nonce, sender) -> execute(() -> probed(c, nonce, sender)), answer -> execute(() -> probes.answered(answer)));
                address = listener.address();
            }
        } catch (IOException e) {
            log.warn("cannot listen on the serve port: {}; not offering to serve for {} min", e.getMessage(),
                    NOT_ELIGIBLE_RETRY_MS / 60_000);
            retryMs = NOT_ELIGIBLE_RETRY_MS;
            c.close();
            return;
        }
        ServeOffer offer = ServeOffers.sign(nodeKey, meshKey, address, clock.millis(), ServeOffer.newBuilder()
                .setMaxClients(settings.maxClients()).setMaxRelayAllocations(settings.maxRelayAllocations())
                .setBandwidthShareKbps(settings.bandwidthShareKbps()).setCpuIdlePercent(cpuIdlePercent())
                .setUptimeMs(clock.millis() - startedAtMs));
        keepAlive(c);
        c.request(Envelope.newBuilder().setServeOffer(offer), REQUEST_TIMEOUT).whenComplete((r, e) -> execute(() -> {
            if (e != null) {
                Throwable cause = Futures.unwrap(e);
                log.info("serve offer refused: {}", cause.getMessage());
                refused = cause.getMessage();
                retryMs = cause instanceof ProtocolException pe && pe.code() == ErrorCode.NOT_ELIGIBLE
                        ? NOT_ELIGIBLE_RETRY_MS : REFUSED_RETRY_MS;
                c.close(); // retried later
            } else {
                log.debug("serve offer at {} taken; reachability probe under way", address);
            }
        }));
    }

    /** Every {@value #KEEPALIVE_MS} ms while {@code c} is the offer connection: a cheap request ({@code LiveSuperNodes}). */
    private void keepAlive(ControlConnection c) {
        try {
            thread.schedule(() -> {
                if (c == link && c.isActive()) {
                    c.request(Envelope.newBuilder().setLiveSuperNodes(LiveSuperNodes.getDefaultInstance()), REQUEST_TIMEOUT)
                            .exceptionally(e -> null);
                    keepAlive(c);
                }
            }, KEEPALIVE_MS, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            // closed
        }
    }

    /** A probe datagram on the serve port: answered only while {@code c} is the offer connection. */
    private void probed(ControlConnection c, byte[] nonce, InetSocketAddress sender) {
        if (c == link && c.isActive()) {
            probes.probed(c, nonce, sender, () -> c == link ? listener : null);
        }
    }

    private void onPush(Envelope push) {
        if (!push.hasServeOrder() || closed) {
            return;
        }
        ServeOrder order = push.getServeOrder();
        if (order.hasCertificate()) {
            promoted(order.getCertificate());
        } else if (order.getDemote()) {
            if (serving == null) {
                refused = order.getReason();
                // Each offer costs a probe and an upload burst: back off, 30 s doubling up to 10 min.
                notEligibleRetryMs = Math.min(NOT_ELIGIBLE_RETRY_MS, notEligibleRetryMs * 2);
                retryMs = notEligibleRetryMs;
                log.info("not eligible to serve: {}; offering again in {} s", order.getReason(), retryMs / 1000);
                if (link != null) {
                    link.close(); // offer again later (maybe the port was opened meanwhile)
                }
            } else {
                log.info("demoted by the login server: {}", order.getReason());
                stopServing();
            }
        }
    }

    private void promoted(SuperNodeCertificate cert) {
        if (serving != null || address == null) {
            return;
        }
        try {
            HostPort named = HostPort.of(cert.getAddress());
            if (!cert.getNodeKey().equals(ByteString.copyFrom(nodeKey.publicKey())) || !named.equals(address)) {
                log.warn("promotion ignored: its certificate is for another key or address ({})", named);
                return;
            }
            AtomicFiles.write(dir.resolve("node.cert"), cert.toByteArray());
            if (listener != null) {
                listener.close();
                listener = null;
            }
            SuperNodeConfig config = SuperNodeConfig.defaults(address, logins.getFirst(), dir).withLogins(logins)
                    .withTimings(HEARTBEAT, SuperNodeConfig.DEFAULT_PEER_REQUEST_TIMEOUT)
                    .withAdvertise(address).withLoginKey(loginKeyFingerprint).withClock(clock);
            // The caps stated in the offer, enforced by the super node (applied last: an adjustment cannot raise them).
            SuperNodeConfig adjusted = adjust.apply(config);
            serving = SuperNode.start(adjusted.withLimits(adjusted.limits().withMaxClients(settings.maxClients()))
                    .withRelayLimits(adjusted.relayLimits().withCaps(settings.maxRelayAllocations(),
                            settings.bandwidthShareKbps())));
            notEligibleRetryMs = REFUSED_RETRY_MS / 2;
            log.info("promoted: serving as super node {} (node key {})", address, fingerprint());
        } catch (IOException | RuntimeException e) {
            log.warn("cannot serve as a super node at {}: {}", address, e.getMessage());
            stopServing();
        }
    }

    private void stopServing() {
        SuperNode node = serving;
        serving = null;
        if (node != null) {
            node.close();
        }
    }

    private void linkLost(ControlConnection c) {
        if (c != link) {
            return;
        }
        link = null;
        stopServing(); // serving is tied to the offer connection: the login server demoted this key
        long delay = retryMs;
        retryMs = RETRY_MS;
        later(this::connect, delay);
    }

    private static int cpuIdlePercent() {
        OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        double load = os.getSystemLoadAverage();
        if (load < 0) {
            return 50; // unknown on this platform
        }
        return (int) Math.max(0, Math.min(100, 100 - 100 * load / os.getAvailableProcessors()));
    }

    private void later(Runnable task, long delayMs) {
        try {
            thread.schedule(task, delayMs, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            // closed
        }
    }

    private void execute(Runnable task) {
        try {
            thread.execute(task);
        } catch (RejectedExecutionException e) {
            // closed
        }
    }

    /** Stops serving and offering; idempotent. */
    @Override
    public void close() {
        try {
            thread.submit(() -> {
                closed = true;
                stopServing();
                if (listener != null) {
                    listener.close();
                }
                if (link != null) {
                    link.close();
                }
            }).get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            log.debug("closing the serve role: {}", e.toString());
        }
        thread.shutdownNow();
    }
}
