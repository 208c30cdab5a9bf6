package dev.parley.client.call;

import dev.parley.client.media.MediaSocket;
import dev.parley.nat.ice.Candidate;
import dev.parley.nat.ice.CandidateType;
import dev.parley.nat.ice.CheckResult;
import dev.parley.nat.ice.CheckConfig;
import dev.parley.nat.ice.ConnectivityChecks;
import dev.parley.nat.ice.IceCredentials;
import dev.parley.nat.ice.IceFailedException;
import dev.parley.nat.stun.StunAttribute;
import dev.parley.nat.stun.StunClient;
import dev.parley.nat.stun.StunMessage;
import dev.parley.nat.stun.StunResponse;
import dev.parley.protocol.ProtocolException;
import dev.parley.protocol.wire.ErrorCode;
import dev.parley.protocol.wire.MediaDescription;
import java.net.InetSocketAddress;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.random.RandomGenerator;
import org.jspecify.annotations.Nullable;

/**
 * ICE for one call on its media socket (docs/nat.md): gathers host, server-reflexive (STUN to the
 * super nodes' UDP ports) and relayed candidates (a relay bind latching the media socket at the
 * relay), then runs {@link ConnectivityChecks} against the peer's candidates. All NAT work runs on
 * the media socket's event loop; the futures complete there.
 */
final class IceAgent {
    /** Gathering: requests at 0, 100, 300 ms, given up at 700 ms (UDP blocked or no STUN server there). */
    static final StunClient.Timing GATHER_TIMING = new StunClient.Timing(100, 3, 4);

    /**
     * What this side offers.
     *
     * @param credentials our ICE ufrag/password
     * @param candidates host, srflx (if learned) and relayed (if latched or reachable over TCP)
     * @param udpBlocked no STUN server and no relay answered over UDP
     * @param relay the relay's address; none without a relay
     * @param relayOnly offer and check only the relayed candidate (ICE transport policy "relay"); the
     *     host candidate stays in {@code candidates} as the checks' base
     * @param relayPass our token and key at the relay (for a TCP relay link); none without a relay
     */
    record Local(IceCredentials credentials, List<Candidate> candidates, boolean udpBlocked, @Nullable InetSocketAddress relay,
            boolean relayOnly, @Nullable RelayPass relayPass) {
        /** @return the candidates to offer the peer */
        List<Candidate> advertised() {
            return relayOnly ? candidates.stream().filter(c -> c.type() == CandidateType.RELAYED).toList() : candidates;
        }
    }

    private final MediaSocket media;
    private final InstantSource clock;
    private final RandomGenerator random;
    private final boolean controlling;
    private final CheckConfig config;
    private final StunClient stun;
    private final boolean relayOnly;
    private @Nullable Local local;
    private @Nullable ConnectivityChecks checks;

    /** @param relayOnly offer and check only relayed candidates (when a relay is available) */
    IceAgent(MediaSocket media, InstantSource clock, RandomGenerator random, boolean controlling, CheckConfig config,
            boolean relayOnly) {
        this.relayOnly = relayOnly;
        this.media = media;
        this.clock = clock;
        this.random = random;
        this.controlling = controlling;
        this.config = config;
        this.stun = new StunClient(media, media.scheduler(), clock, random, GATHER_TIMING);
        media.addStunHandler(stun);
    }

    /**
     * Gathers candidates.
     *
     * @param hostIp the host candidate's IP (the interface towards the super node)
     * @param stunServers STUN servers (the super nodes' UDP ports)
     * @param relay the relay's address, if any
     * @param relayPass our token and key for it, if any
     * @return completes with our offer (never exceptionally)
     */
    CompletableFuture<Local> gather(String hostIp, List<InetSocketAddress> stunServers, @Nullable InetSocketAddress relay,
            @Nullable RelayPass relayPass) {
        CompletableFuture<Local> out = new CompletableFuture<>();
        media.scheduler().execute(() -> {
            IceCredentials creds = IceCredentials.random(random);
            InetSocketAddress host = new InetSocketAddress(hostIp, media.localAddress().getPort());
            List<CompletableFuture<Optional<InetSocketAddress>>> srflx = new ArrayList<>();
            for (InetSocketAddress server : stunServers) {
                srflx.add(stun.binding(server).handle((r, e) -> mapped(r, e)));
            }
            CompletableFuture<Optional<InetSocketAddress>> relayed = relay == null || relayPass == null
                    ? CompletableFuture.completedFuture(Optional.empty())
                    : stun.request(relay, StunMessage.bindingRequest(stun.newTransactionId(), new StunAttribute.RelayToken(relayPass.token())),
                            relayPass.bindSeal(), null).handle((r, e) -> mapped(r, e));
            List<CompletableFuture<?>> all = new ArrayList<>(srflx);
            all.add(relayed);
            CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).whenComplete((v, e) -> media.scheduler().execute(() -> {
                List<Candidate> candidates = new ArrayList<>();
                candidates.add(Candidate.of(CandidateType.HOST, host));
                boolean anyAnswer = relayed.join().isPresent();
                for (var f : srflx) {
                    Optional<InetSocketAddress> m = f.join();
                    anyAnswer |= m.isPresent();
                    if (m.isPresent() && candidates.stream().noneMatch(c -> c.address().equals(m.get()))) {
                        candidates.add(Candidate.of(CandidateType.SERVER_REFLEXIVE, m.get()));
                    }
                }
                // Only conclude "UDP blocked" when something should have answered: an old super node
                // without STUN and relay is not a firewall.
                boolean udpBlocked = !anyAnswer && relay != null && relayPass != null;
                if (relay != null && relayPass != null) {
                    candidates.add(Candidate.of(CandidateType.RELAYED, relay));
                }
                boolean haveRelay = relay != null && relayPass != null;
                local = new Local(creds, candidates, udpBlocked, haveRelay ? relay : null, relayOnly && haveRelay,
                        haveRelay ? relayPass : null);
                out.complete(local);
            }));
        });
        return out;
    }

    private static Optional<InetSocketAddress> mapped(@Nullable StunResponse r, @Nullable Throwable e) {
        return e != null || !r.isSuccess() ? Optional.empty() : r.mappedAddress();
    }

    /**
     * Starts connectivity checks against the peer's description (after {@link #gather}); called
     * again, it replaces the previous checks with new ones (same credentials and candidates).
     *
     * @return completes with the selected pair, or exceptionally with {@link IceFailedException}
     * @throws ProtocolException BAD_REQUEST if the peer sent no usable ICE credentials or candidates
     */
    CompletableFuture<CheckResult> check(MediaDescription remote) throws ProtocolException {
        return check(remote, () -> { });
    }

    /**
     * As {@link #check(MediaDescription)}.
     *
     * @param started runs on the media socket's loop once the checks have started, i.e. once their first
     *     (low-TTL) checks have left (docs/nat.md, "The conntrack quirk")
     */
    CompletableFuture<CheckResult> check(MediaDescription remote, Runnable started) throws ProtocolException {
        IceCredentials remoteCreds;
        try {
            remoteCreds = new IceCredentials(remote.getIceUfrag(), remote.getIcePassword());
        } catch (IllegalArgumentException e) {
            throw new ProtocolException(ErrorCode.BAD_REQUEST, "media description: " + e.getMessage());
        }
        List<Candidate> remoteCandidates = WireCandidates.remoteCandidates(remote, local.relay() != null).stream()
                .filter(c -> !local.relayOnly() || c.type() == CandidateType.RELAYED).toList();
        if (remoteCandidates.isEmpty()) {
            throw new ProtocolException(ErrorCode.BAD_REQUEST, "media description has no usable candidate");
        }
        CompletableFuture<CheckResult> out = new CompletableFuture<>();
        media.scheduler().execute(() -> {
            if (checks != null) { // checking again (e.g. over the TCP relay): the old checks must not answer for us
                checks.close();
                media.removeStunHandler(checks);
            }
            checks = new ConnectivityChecks(media, media.scheduler(), clock, random, controlling,
                    local.credentials(), remoteCreds, local.candidates(), config);
            media.addStunHandler(checks);
            checks.addRemoteCandidates(remoteCandidates);
            checks.start().whenComplete((r, e) -> {
                if (e != null) {
                    out.completeExceptionally(e);
                } else {
                    out.complete(r);
                }
            });
            started.run();
        });
        return out;
    }

    /** @return completes with a reason when consent on the selected pair is lost (RFC 7675) */
    CompletableFuture<String> consentLost() {
        return checks == null ? new CompletableFuture<>() : checks.consentLost();
    }

    /** Stops checks and consent and unhooks this agent from the media socket (on the socket's loop). */
    void close() {
        media.scheduler().execute(() -> {
            media.removeStunHandler(stun);
            if (checks != null) {
                checks.close();
                media.removeStunHandler(checks);
            }
        });
    }
}
