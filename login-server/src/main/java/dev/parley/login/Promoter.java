package dev.parley.login;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.google.protobuf.ByteString;
import dev.parley.protocol.Envelopes;
import dev.parley.protocol.HostPort;
import dev.parley.protocol.ProtocolException;
import dev.parley.protocol.ServeOffers;
import dev.parley.protocol.tls.KeyVerifier;
import dev.parley.protocol.wire.Envelope;
import dev.parley.protocol.wire.ErrorCode;
import dev.parley.protocol.wire.ServeOffer;
import dev.parley.protocol.wire.ServeOrder;
import dev.parley.protocol.wire.SuperNodeCertificate;
import dev.parley.protocol.wire.SuperNodeHeartbeat;
import io.netty.channel.Channel;
import java.net.InetSocketAddress;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import io.netty.util.concurrent.DefaultThreadFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The self-organizing overlay on the login server (docs/architecture.md "Self-organizing overlay"):
 * takes clients' {@code ServeOffer}s, proves them reachable ({@link ReachabilityProbe}), and every
 * tick lets the {@link PromotionPolicy} pick whom to promote (a {@code ServeOrder} push with a short
 * certificate from {@link SuperNodeCertifier#promote}) and whom to demote (a push, and no renewal).
 *
 * <p>Serving is tied to the offer's connection: when it closes, the key is demoted (the client stops
 * serving when it loses that connection too).
 *
 * <p>All candidate state is confined to one thread ({@code login-promotion}), which also does the
 * few JDBC writes of promotions and demotions (never a Netty event loop).
 */
final class Promoter implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Promoter.class);
    /** Candidates held at most (offers beyond are refused RATE_LIMITED). */
    static final int MAX_CANDIDATES = 10_000;
    /** How long a probe may take before the candidate is found unreachable, ms. */
    static final long PROBE_DEADLINE_MS = 5_000;
    /** How long a promoted client may take to heartbeat before it is demoted as broken, ms. */
    static final long FIRST_HEARTBEAT_MS = 15_000;
    static final long TICK_MS = 500;
    /**
     * Echoes with a wrong nonce a probe tolerates; the next one ends the candidacy. Not 1: a
     * candidate may echo a datagram a stranger sent to its serve port from the login server's address
     * (spoofed), and that should not end it; a nonce (128 bits) is not guessed in a few tries either.
     */
    static final int MAX_WRONG_ECHOES = 3;

    /** A candidate's state (one owner: the promotion thread). */
    private sealed interface State {
        /**
         * Probe under way: what has been proved so far; the upload once measured (-1 before); echoes
         * with a wrong nonce so far (at most {@link Promoter#MAX_WRONG_ECHOES}).
         */
        record Probing(byte[] nonce, long deadlineMs, boolean tcp, boolean udp, int uploadKbps, int wrongEchoes)
                implements State {}
        /** Proved reachable, with enough upload (kbit/s: measured, at most what it stated); not serving. */
        record Eligible(long sinceMs, int uploadKbps) implements State {}
        /** Not reachable (or lied): never promoted on this connection. */
        record Unreachable(String why) implements State {}
        /** Serving with a certificate since {@code sinceMs}; its upload as measured before. */
        record Serving(long sinceMs, int uploadKbps) implements State {}
    }

    /** One offer, on one connection. */
    private static final class Candidate {
        final Channel channel;
        final ServeOffer offer;
        final HostPort address;
        final String key;
        /** When this connection first offered (uptime as the login server measured it). */
        final long offeredAtMs;
        State state;

        Candidate(Channel channel, ServeOffer offer, HostPort address, long offeredAtMs, State state) {
            this.offeredAtMs = offeredAtMs;
            this.channel = channel;
            this.offer = offer;
            this.address = address;
            this.key = KeyVerifier.fingerprint(offer.getNodeKey().toByteArray());
            this.state = state;
        }
    }

    private final SuperNodeCertifier certifier;
    private final SuperNodeRegistry directory;
    private final SuperNodeLinks links;
    private final ReachabilityProbe probe;
    private final InstantSource clock;
    private final SecureRandom random;
    private final PromotionPolicy policy;
    private final UploadEstimates uploads;
    private final ScheduledExecutorService thread;
    private final Map<Channel, Candidate> candidates = new LinkedHashMap<>(); // promotion thread only
    /**
     * Promoted super nodes that stopped (demoted, or their offer connection closed) → when: the
     * directory lists them until their heartbeats time out, but they no longer count as live, so a
     * replacement is promoted at once and a demotion is not repeated. Promotion thread only; pruned
     * after {@value #GONE_MS} ms.
     */
    private final Map<HostPort, Long> gone = new HashMap<>();
    static final long GONE_MS = 60_000;
    /**
     * Accounts that logged in here within {@value #RECENT_LOGIN_MS} ms: clients about to register, so a
     * surge of logins raises the target before their registrations reach the heartbeats (and before
     * full super nodes refuse them). Bounded; only authenticated logins count.
     */
    private final Cache<String, Boolean> recentLogins;
    static final long RECENT_LOGIN_MS = 60_000;
    static final int MAX_RECENT_LOGINS = 200_000;

    Promoter(SuperNodeCertifier certifier, SuperNodeRegistry directory, SuperNodeLinks links, ReachabilityProbe probe,
            InstantSource clock, SecureRandom random, PromotionPolicy policy, UploadEstimates uploads) {
        this.certifier = certifier;
        this.directory = directory;
        this.links = links;
        this.probe = probe;
        this.clock = clock;
        this.random = random;
        this.policy = policy;
        this.uploads = uploads;
        this.recentLogins = Caffeine.newBuilder().maximumSize(MAX_RECENT_LOGINS)
                .expireAfterWrite(Duration.ofMillis(RECENT_LOGIN_MS)).ticker(() -> clock.millis() * 1_000_000L).build();
        this.thread = Executors.newSingleThreadScheduledExecutor(new DefaultThreadFactory("login-promotion", true));
        thread.scheduleWithFixedDelay(this::tick, TICK_MS, TICK_MS, TimeUnit.MILLISECONDS);
    }

    /** Counts {@code username} as online for the target (any thread): it just logged in and will register. */
    void loggedIn(String username) {
        recentLogins.put(username, Boolean.TRUE);
    }

    /** Takes an offer (any thread); {@code answer} gets the response (Ok or Error) for request {@code id}. */
    void offer(Channel channel, long id, ServeOffer offer, Consumer<Envelope> answer) {
        execute(() -> answer.accept(admit(channel, id, offer)));
    }

    /** Takes a probe echo (any thread). */
    void echo(Channel channel, long id, ByteString nonce, Consumer<Envelope> answer) {
        execute(() -> answer.accept(echoed(channel, id, nonce)));
    }

    private Envelope admit(Channel channel, long id, ServeOffer offer) {
        try {
            ServeOffers.verify(offer, clock.instant());
            HostPort address = LoginHandler.validSuperNodeAddress(offer.getAddress());
            String source = ((InetSocketAddress) channel.remoteAddress()).getAddress().getHostAddress();
            if (!address.host().equals(source)) {
                // Behind a NAT (or claiming someone else's address): never eligible, and nothing is probed.
                throw new ProtocolException(ErrorCode.NOT_ELIGIBLE, String.format("serve offer: address %s is not the "
                        + "address this connection comes from (%s): a client behind a NAT does not serve",
                        LoginHandler.printable(address.host(), 64), source));
            }
            if (!candidates.containsKey(channel) && candidates.size() >= MAX_CANDIDATES) {
                throw new ProtocolException(ErrorCode.RATE_LIMITED, "serve offer: too many candidates; retry later");
            }
            Candidate old = candidates.get(channel);
            if (old != null && old.state instanceof State.Serving) {
                throw new ProtocolException(ErrorCode.BAD_REQUEST, "serve offer: this connection serves already");
            }
            if (!probe.admit(source)) {
                throw new ProtocolException(ErrorCode.RATE_LIMITED, "serve offer: reachability probes from " + source
                        + " are rate limited; retry in " + probe.limits().perAddressPeriod().toSeconds() + " s");
            }
            byte[] nonce = new byte[ReachabilityProbe.NONCE_BYTES];
            random.nextBytes(nonce);
            Candidate c = new Candidate(channel, offer, address, old != null ? old.offeredAtMs : clock.millis(),
                    new State.Probing(nonce, clock.millis() + PROBE_DEADLINE_MS, false, false, -1, 0));
            if (old == null) {
                channel.closeFuture().addListener(f -> execute(() -> closed(channel)));
            }
            candidates.put(channel, c);
            probe.udp(new InetSocketAddress(source, address.port()), nonce);
            probe.tcp(address, offer.getNodeKey().toByteArray()).whenComplete((ok, e) -> execute(() -> tcpDone(c, e)));
            return Envelopes.ok(id);
        } catch (ProtocolException e) {
            log.info("serve offer refused from {}: {}", channel.remoteAddress(), e.getMessage());
            return Envelopes.error(id, e);
        }
    }

    private void tcpDone(Candidate c, Throwable failure) {
        if (candidates.get(c.channel) != c || !(c.state instanceof State.Probing p)) {
            return;
        }
        if (failure != null) {
            unreachable(c, "TCP to " + c.address + " with TLS for its node key failed: " + failure.getMessage());
            return;
        }
        c.state = new State.Probing(p.nonce(), p.deadlineMs(), true, p.udp(), p.uploadKbps(), p.wrongEchoes());
        provedIfDone(c);
    }

    private Envelope echoed(Channel channel, long id, ByteString nonce) {
        Candidate c = candidates.get(channel);
        if (c == null || !(c.state instanceof State.Probing p) || p.udp()) {
            return Envelopes.error(id, ErrorCode.BAD_REQUEST, "serve probe echo: no probe under way on this connection");
        }
        if (!MessageDigest.isEqual(p.nonce(), nonce.toByteArray())) {
            // Counted, and fatal only beyond the bound; the probe's deadline applies as before.
            int wrong = p.wrongEchoes() + 1;
            if (wrong > MAX_WRONG_ECHOES) {
                unreachable(c, String.format("UDP probe echoes with a wrong nonce: %d (expected: <= %d)", wrong,
                        MAX_WRONG_ECHOES));
            } else {
                c.state = new State.Probing(p.nonce(), p.deadlineMs(), p.tcp(), p.udp(), p.uploadKbps(), wrong);
            }
            return Envelopes.error(id, ErrorCode.INVALID_CREDENTIAL, String.format(
                    "serve probe echo: wrong nonce (%d of %d tolerated)", wrong, MAX_WRONG_ECHOES));
        }
        // Reachable over UDP: now its upload. The burst comes from the probed serve port to the probe socket.
        long deadline = Math.max(p.deadlineMs(), clock.millis() + UploadMeter.WINDOW_MS + TICK_MS);
        c.state = new State.Probing(p.nonce(), deadline, p.tcp(), true, -1, p.wrongEchoes());
        probe.meter().measure(p.nonce(), new InetSocketAddress(c.address.host(), c.address.port()))
                .whenComplete((e, failure) -> execute(() -> measured(c, e == null ? UploadMeter.Estimate.NONE : e)));
        return Envelopes.builder(id).setServeBurst(UploadMeter.BURST).build();
    }

    private void measured(Candidate c, UploadMeter.Estimate e) {
        if (candidates.get(c.channel) != c || !(c.state instanceof State.Probing p)) {
            return;
        }
        // What it delivered, at most what it stated: a candidate serves within its stated share.
        int kbps = (int) Math.min(e.kbps(), Integer.toUnsignedLong(c.offer.getBandwidthShareKbps()));
        log.info("serve candidate {} at {}: upload {} kbit/s ({} datagrams, {} bytes received; {} kbit/s stated)", c.key,
                c.address, e.kbps(), e.datagrams(), e.bytes(), Integer.toUnsignedLong(c.offer.getBandwidthShareKbps()));
        if (kbps < policy.minUploadKbps()) {
            unreachable(c, String.format("upload measured %d kbit/s (expected: >= %d)", kbps, policy.minUploadKbps()));
            return;
        }
        c.state = new State.Probing(p.nonce(), p.deadlineMs(), p.tcp(), p.udp(), kbps, p.wrongEchoes());
        provedIfDone(c);
    }

    private void provedIfDone(Candidate c) {
        if (c.state instanceof State.Probing p && p.tcp() && p.udp() && p.uploadKbps() >= 0) {
            c.state = new State.Eligible(clock.millis(), p.uploadKbps());
            uploads.put(c.key, p.uploadKbps());
            log.info("serve candidate {} at {} is reachable (TCP and UDP), upload {} kbit/s", c.key, c.address,
                    p.uploadKbps());
        }
    }

    private void unreachable(Candidate c, String why) {
        c.state = new State.Unreachable(why);
        uploads.remove(c.key);
        log.info("serve candidate {} at {} not eligible: {}", c.key, c.address, why);
        push(c, ServeOrder.newBuilder().setDemote(true).setReason(trim("not eligible: " + why)));
    }

    private void closed(Channel channel) {
        Candidate c = candidates.remove(channel);
        if (c != null) {
            uploads.remove(c.key);
        }
        if (c != null && c.state instanceof State.Serving) {
            gone.put(c.address, clock.millis());
            demoteInStore(c); // its certificate is not renewed any more
            log.info("promoted super node {} at {} left (offer connection closed)", c.key, c.address);
        }
    }

    /** One round: expire probes, demote broken promotions, then apply the policy. */
    private void tick() {
        try {
            long now = clock.millis();
            Map<HostPort, Integer> load = new HashMap<>();
            for (SuperNodeLinks.Link l : links.links()) {
                SuperNodeHeartbeat beat = l.load();
                load.put(l.address(), beat.getRegisteredClients());
            }
            gone.values().removeIf(at -> now - at > GONE_MS);
            List<HostPort> live = directory.live(Integer.MAX_VALUE).stream().filter(a -> !gone.containsKey(a)).toList();
            Map<HostPort, Candidate> serving = new HashMap<>();
            List<PromotionPolicy.Candidate> eligible = new ArrayList<>();
            Map<String, Candidate> byKey = new HashMap<>();
            int pending = 0;
            for (Candidate c : List.copyOf(candidates.values())) {
                switch (c.state) {
                    case State.Probing p when now > p.deadlineMs() -> unreachable(c, (p.tcp() ? "" : "no TLS over TCP; ")
                            + (p.udp() ? "" : "no UDP probe echo; ") + (p.uploadKbps() >= 0 ? "" : "upload not measured; ")
                            + "deadline passed");
                    case State.Serving s when !live.contains(c.address) && now - s.sinceMs() > FIRST_HEARTBEAT_MS ->
                            demote(c, "no heartbeat from it");
                    case State.Serving s -> {
                        serving.put(c.address, c);
                        if (!live.contains(c.address)) {
                            pending++;
                        }
                    }
                    case State.Eligible e -> {
                        // Uptime as measured here (a claimed one could be inflated to be preferred).
                        eligible.add(new PromotionPolicy.Candidate(c.key, c.address, now - c.offeredAtMs,
                                Math.min(100, c.offer.getCpuIdlePercent()), e.uploadKbps()));
                        byKey.put(c.key, c);
                    }
                    default -> { }
                }
            }
            int clients = load.values().stream().mapToInt(Integer::intValue).sum();
            List<PromotionPolicy.Serving> liveNodes = new ArrayList<>();
            for (HostPort a : live) {
                Candidate c = serving.get(a);
                long servingMs = c != null && c.state instanceof State.Serving s ? now - s.sinceMs() : 0;
                liveNodes.add(new PromotionPolicy.Serving(a, c != null, load.getOrDefault(a, 0), servingMs));
            }
            recentLogins.cleanUp();
            int online = (int) Math.max(Math.max(clients, candidates.size()), recentLogins.estimatedSize());
            PromotionPolicy.Decision d = policy.decide(liveNodes, pending, eligible, online);
            d.promote().forEach(key -> promote(byKey.get(key)));
            d.demote().forEach(a -> demote(serving.get(a), "too many super nodes for the online clients"));
        } catch (RuntimeException e) {
            log.warn("promotion round failed", e);
        }
    }

    private void promote(Candidate c) {
        try {
            SuperNodeCertificate cert = certifier.promote(c.offer.getNodeKey(), c.offer.getMeshKey(), c.address);
            c.state = new State.Serving(clock.millis(), c.state instanceof State.Eligible e ? e.uploadKbps() : 0);
            gone.remove(c.address);
            push(c, ServeOrder.newBuilder().setCertificate(cert));
        } catch (ProtocolException e) {
            unreachable(c, e.getMessage());
        } catch (Exception e) {
            log.warn("promoting {} failed: {}", c.address, e.getMessage());
        }
    }

    private void demote(Candidate c, String why) {
        if (c == null) {
            return;
        }
        demoteInStore(c);
        gone.put(c.address, clock.millis());
        c.state = new State.Eligible(clock.millis(), c.state instanceof State.Serving s ? s.uploadKbps() : 0);
        log.info("demoting super node {} at {}: {}", c.key, c.address, why);
        push(c, ServeOrder.newBuilder().setDemote(true).setReason(trim(why)));
    }

    private void demoteInStore(Candidate c) {
        try {
            certifier.demote(c.offer.getNodeKey());
        } catch (Exception e) {
            log.warn("recording the demotion of {} failed: {}", c.key, e.getMessage());
        }
    }

    private static void push(Candidate c, ServeOrder.Builder order) {
        c.channel.writeAndFlush(Envelope.newBuilder().setServeOrder(order).build());
    }

    private static String trim(String text) {
        return text.length() > 200 ? text.substring(0, 200) : text;
    }

    private void execute(Runnable task) {
        try {
            thread.execute(task);
        } catch (RejectedExecutionException e) {
            // closing
        }
    }

    @Override
    public void close() {
        thread.shutdownNow();
        probe.close();
    }
}
