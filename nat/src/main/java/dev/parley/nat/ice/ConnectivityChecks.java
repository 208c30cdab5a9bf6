package dev.parley.nat.ice;

import dev.parley.nat.ice.CheckPair.State;
import dev.parley.nat.stun.StunAttribute;
import dev.parley.nat.stun.StunClient;
import dev.parley.nat.stun.StunCodec;
import dev.parley.nat.stun.StunDecodeException;
import dev.parley.nat.stun.StunMessage;
import dev.parley.nat.stun.StunMessageType;
import dev.parley.nat.stun.StunResponse;
import dev.parley.nat.stun.StunSeal;
import dev.parley.nat.transport.DatagramHandler;
import dev.parley.nat.transport.DatagramTransport;
import dev.parley.nat.transport.TaskScheduler;
import dev.parley.protocol.PacketKind;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.InstantSource;
import java.util.ArrayDeque;
import java.util.Comparator;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.random.RandomGenerator;

/**
 * Connectivity checks in the spirit of ICE (RFC 8445 §6–7, §9) for one component on one UDP
 * socket. Both agents run it at the same time (hole punching): every pacing interval Ta one check
 * (a Binding request with USERNAME, PRIORITY, ICE-CONTROLLING/-CONTROLLED, MESSAGE-INTEGRITY and
 * FINGERPRINT) goes to the next pair — triggered checks first, then the highest pair priority. An
 * incoming check is answered, may add a peer-reflexive remote candidate, and triggers a check back
 * on its pair. The controlling agent nominates (USE-CANDIDATE) the best pair that succeeded, a short
 * delay after the first success; the controlled agent selects a pair once it is both nominated and
 * succeeded. After selection, consent freshness (RFC 7675, {@link ConsentFreshness}) checks every
 * ~5 s keep the NAT bindings alive and report consent loss after 30 s without a response. The
 * checklist's entries are {@link CheckPair}s.
 *
 * <p>Real NATs (docs/nat.md, "The conntrack quirk"): a check reaching a Linux NAT that accepts
 * unsolicited input before its host sent anything to us forces that host's flow to us onto another
 * port. The controlled agent starts first (the callee checks as it answers), so when both sides are
 * behind NATs its checks to the peer's non-relayed candidates leave with a low IP TTL
 * ({@link LowTtlSender}): they open our NAT towards the peer and die before the peer's NAT, until
 * the peer's first check arrives (its NAT is open towards us then) or {@link CheckConfig#lowTtlMaxMs}.
 * Failed pairs are retried until the deadline, checks from unknown addresses become peer-reflexive
 * candidates, and relayed pairs stay in the checklist as the fallback.
 *
 * <p>Roles are fixed by signalling (the caller controls), so role conflicts (487) are not repaired.
 * Loop-confined: use on the transport's thread; install as the first {@link DatagramHandler}.
 */
public final class ConnectivityChecks implements DatagramHandler {

    private final DatagramTransport transport;
    private final TaskScheduler scheduler;
    private final InstantSource clock;
    private final RandomGenerator random;
    private final boolean controlling;
    private final IceCredentials local;
    private final IceCredentials remote;
    private final List<Candidate> localCandidates;
    private final Candidate localHost;
    private final CheckConfig config;
    private final StunClient client;
    private final long tieBreaker;
    private final Map<InetSocketAddress, CheckPair> pairs = new LinkedHashMap<>();
    private final Deque<CheckPair> triggered = new ArrayDeque<>();
    private final CompletableFuture<CheckResult> result = new CompletableFuture<>();
    private final ConsentFreshness consent;
    private TaskScheduler.Cancellable pacer;
    private TaskScheduler.Cancellable deadline;
    private boolean closed;
    private long startMs = -1;
    private boolean nominationScheduled;
    /** The pending nomination waits the longer relay-only delay; cancelled if a direct pair succeeds. */
    private TaskScheduler.Cancellable relayWait;
    private int checksSent;
    /** The checks' way out: with {@link CheckConfig#lowTtl} to the peer's non-relayed candidates while that phase lasts. */
    private final LowTtlSender sender;

    /**
     * @param transport the media socket (checks leave from it; media later uses the same socket)
     * @param scheduler timers on the socket's thread
     * @param clock for setup time and consent
     * @param random tie breaker, transaction ids, consent jitter (SecureRandom in production)
     * @param controlling true for the caller
     * @param local this agent's credentials
     * @param remote the peer's credentials (from signalling)
     * @param localCandidates this agent's candidates; at least one HOST (the socket's base)
     * @param config timings
     */
    public ConnectivityChecks(DatagramTransport transport, TaskScheduler scheduler, InstantSource clock, RandomGenerator random,
            boolean controlling, IceCredentials local, IceCredentials remote, List<Candidate> localCandidates, CheckConfig config) {
        this.localHost = localCandidates.stream().filter(c -> c.type() == CandidateType.HOST).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("localCandidates: no HOST candidate (expected: the socket's base)"));
        this.transport = transport;
        this.scheduler = scheduler;
        this.clock = clock;
        this.random = random;
        this.controlling = controlling;
        this.local = local;
        this.remote = remote;
        this.localCandidates = List.copyOf(localCandidates);
        this.config = config;
        this.sender = new LowTtlSender(transport, scheduler, config.lowTtl(), to -> {
            CheckPair p = pairs.get(to);
            return p != null && p.remote.type() != CandidateType.RELAYED;
        });
        this.client = new StunClient(sender, scheduler, clock, random, config.checkTiming());
        this.tieBreaker = random.nextLong();
        this.consent = new ConsentFreshness(scheduler, clock, random, config);
    }

    /** @param candidates remote candidates from signalling (duplicates by address are ignored) */
    public void addRemoteCandidates(List<Candidate> candidates) {
        for (Candidate c : candidates) {
            pairs.putIfAbsent(c.address(), new CheckPair(c));
        }
    }

    /**
     * Starts pacing checks. In the low-TTL phase (see class comment) the first check to each direct
     * candidate of the peer leaves before this returns.
     *
     * @return completes with the selected pair, or exceptionally with {@link IceFailedException}
     */
    public CompletableFuture<CheckResult> start() {
        if (startMs < 0) {
            startMs = clock.millis();
            // Only the side that starts first can leave stray conntrack entries on the peer's NAT, and
            // only a NAT of ours needs opening: a public host has nothing to prime.
            if (!controlling && hasLocal(CandidateType.SERVER_REFLEXIVE)
                    && pairs.values().stream().anyMatch(p -> p.remote.type() == CandidateType.SERVER_REFLEXIVE)) {
                sender.begin(config.lowTtlMaxMs(), this::recheckDirectPairs);
                // open our NAT towards each direct candidate now, unpaced: when start() returns, the
                // caller may be told to start (it must not reach our NAT before we have opened it)
                pairs.values().stream().filter(p -> p.remote.type() != CandidateType.RELAYED)
                        .sorted(Comparator.comparing(this::priority,
                                Long::compareUnsigned).reversed())
                        .toList().forEach(p -> sendCheck(p, false));
            }
            pacer = scheduler.schedule(this::tick, 0);
            deadline = scheduler.schedule(() -> fail("no candidate pair succeeded in " + config.deadlineMs() + " ms ("
                    + pairs.size() + " pairs, " + checksSent + " checks)"), config.deadlineMs());
        }
        return result;
    }

    /** @return completes with a reason when consent on the selected pair is lost (RFC 7675 §5.1) */
    public CompletableFuture<String> consentLost() {
        return consent.lost();
    }

    /** @return checks (including retransmissions) sent with the low TTL so far (see class comment) */
    public int lowTtlChecksSent() {
        return sender.sent();
    }

    /** Stops all checks and consent; pending results fail. */
    public void close() {
        closed = true;
        fail("closed");
        cancelTimers();
    }

    /** The low-TTL phase ran out without word from the peer: check the direct pairs again at once, at the default TTL. */
    private void recheckDirectPairs() {
        for (CheckPair p : pairs.values()) {
            if (p.remote.type() != CandidateType.RELAYED && p.state != State.SUCCEEDED && !triggered.contains(p)) {
                p.state = State.WAITING;
                triggered.addLast(p);
            }
        }
    }

    private void cancelTimers() {
        sender.end();
        for (TaskScheduler.Cancellable t : new TaskScheduler.Cancellable[] {pacer, deadline}) {
            if (t != null) {
                t.cancel();
            }
        }
        consent.stop();
    }

    private void tick() {
        if (result.isDone()) {
            return;
        }
        CheckPair next = null;
        while (!triggered.isEmpty() && next == null) {
            CheckPair p = triggered.poll();
            if (p.state == State.WAITING) {
                next = p;
            }
        }
        if (next == null) {
            next = pairs.values().stream().filter(p -> p.state == State.WAITING)
                    .max(Comparator.comparing(this::priority, Long::compareUnsigned)).orElse(null);
        }
        if (next != null) {
            sendCheck(next, false);
        }
        pacer = scheduler.schedule(this::tick, config.paceMs());
    }

    private void sendCheck(CheckPair p, boolean nominate) {
        p.state = State.IN_PROGRESS;
        checksSent++;
        check(p, nominate).whenComplete((r, e) -> onCheckResult(p, nominate, r, e));
    }

    private CompletableFuture<StunResponse> check(CheckPair p, boolean nominate) {
        StunMessage request = StunMessage.bindingRequest(client.newTransactionId(),
                new StunAttribute.Username(remote.ufrag() + ":" + local.ufrag()),
                new StunAttribute.Priority(Candidate.priority(CandidateType.PEER_REFLEXIVE, Candidate.DEFAULT_LOCAL_PREFERENCE)),
                controlling ? new StunAttribute.IceControlling(tieBreaker) : new StunAttribute.IceControlled(tieBreaker));
        if (nominate) {
            request = request.with(new StunAttribute.UseCandidate());
        }
        return client.request(p.remote.address(), request, StunSeal.shortTerm(remote.password()), bytes(remote.password()));
    }

    private void onCheckResult(CheckPair p, boolean nominate, StunResponse r, Throwable e) {
        if (result.isDone()) {
            return;
        }
        // RFC 8445 §7.2.5.2.1: the response must come from where the request went (symmetric)
        if (e != null || !r.isSuccess() || !r.from().equals(p.remote.address())) {
            p.state = State.WAITING; // retried until the deadline: NATs may open later (see class comment)
            if (nominate) {
                nominationScheduled = false;
                if (pairs.values().stream().anyMatch(q -> q.state == State.SUCCEEDED)) {
                    nominationScheduled = true;
                    scheduler.schedule(this::nominate, config.nominationDelayMs());
                }
            }
            return;
        }
        p.state = State.SUCCEEDED;
        p.mapped = r.mappedAddress().orElse(null);
        if (p.remote.type() != CandidateType.RELAYED) {
            sender.end(); // a direct path works: nothing left to protect
        }
        if (controlling) {
            if (nominate) {
                select(p);
            } else if (!nominationScheduled) {
                nominationScheduled = true;
                TaskScheduler.Cancellable timer = scheduler.schedule(this::nominate, nominationDelayMs(p));
                relayWait = p.remote.type() == CandidateType.RELAYED ? timer : null;
            } else if (relayWait != null && p.remote.type() != CandidateType.RELAYED) {
                // a direct pair works after all: no need to keep waiting as long as for a relay
                relayWait.cancel();
                relayWait = null;
                scheduler.schedule(this::nominate, nominationDelayMs(p));
            }
        } else if (p.nominatedByPeer) {
            select(p);
        }
    }

    /**
     * How long the controlling side waits, after the first success on {@code p}, for better pairs:
     * not at all when none can exist (e.g. the host pair on a LAN); longer when only a relayed pair
     * works, because the direct path behind a symmetric NAT appears only as a peer-reflexive pair
     * once one of the peer's checks (often its first retransmission, one RTO later) gets through.
     */
    private long nominationDelayMs(CheckPair p) {
        if (isBestPossible(p)) {
            return 0;
        }
        return p.remote.type() == CandidateType.RELAYED
                ? config.nominationDelayMs() + 2 * config.checkTiming().rtoMs()
                : config.nominationDelayMs();
    }

    /** @return true if no other pair still in play has a higher priority than {@code p} */
    private boolean isBestPossible(CheckPair p) {
        long own = priority(p);
        return pairs.values().stream().filter(q -> q != p && q.state != State.FAILED)
                .allMatch(q -> Long.compareUnsigned(priority(q), own) <= 0);
    }

    private void nominate() {
        relayWait = null;
        if (result.isDone()) {
            return;
        }
        pairs.values().stream().filter(p -> p.state == State.SUCCEEDED)
                .max(Comparator.comparing(this::priority, Long::compareUnsigned))
                .ifPresent(best -> sendCheck(best, true));
    }

    @Override
    public boolean onDatagram(InetSocketAddress from, byte[] payload) {
        if (closed || payload.length < StunCodec.HEADER_BYTES || PacketKind.of(payload) != PacketKind.STUN) {
            return false;
        }
        if (client.onDatagram(from, payload)) {
            return true;
        }
        StunMessage m;
        try {
            m = StunCodec.decode(payload);
        } catch (StunDecodeException ex) {
            return false;
        }
        String user = m.attribute(StunAttribute.Username.class).map(StunAttribute.Username::name).orElse("");
        if (!m.type().equals(StunMessageType.BINDING_REQUEST) || !user.startsWith(local.ufrag() + ":")) {
            return false;
        }
        if (!StunCodec.verifyIntegrity(payload, bytes(local.password()))) {
            return true; // forged or stale check: dropped (RFC 8489 §9.1.3 would answer 401; silence leaks less)
        }
        StunMessage response = new StunMessage(StunMessageType.BINDING_SUCCESS, m.transactionId(),
                List.of(new StunAttribute.XorMappedAddress(from)));
        transport.send(from, StunCodec.encode(response, StunSeal.shortTerm(local.password())));
        if (result.isDone()) {
            return true; // consent checks from the peer: answered, nothing else to do
        }
        CheckPair p = pairs.get(from);
        if (p == null || p.remote.type() != CandidateType.RELAYED) {
            sender.end(); // came directly: the peer's NAT has its mapping towards us, our checks may reach it now
        }
        if (p == null) {
            long priority = m.attribute(StunAttribute.Priority.class).map(StunAttribute.Priority::priority)
                    .orElse(Candidate.priority(CandidateType.PEER_REFLEXIVE, 0));
            p = new CheckPair(new Candidate(CandidateType.PEER_REFLEXIVE, from, Math.max(1, priority)));
            pairs.put(from, p);
        }
        if (!controlling && m.has(StunAttribute.UseCandidate.class)) {
            p.nominatedByPeer = true;
            if (p.state == State.SUCCEEDED) {
                select(p);
            } else {
                // The peer has selected this pair and is about to send media: check it now rather
                // than after pacing or a retransmission timeout of an earlier, unanswered check.
                triggered.remove(p);
                sendCheck(p, false);
            }
            return true;
        }
        // RFC 8445 §7.3.1.4: a check from the peer triggers ours, also for a pair whose earlier
        // check is still waiting for an answer (the peer may not have been ready then).
        if (p.state != State.SUCCEEDED) {
            p.state = State.WAITING;
            triggered.remove(p);
            triggered.addFirst(p);
        }
        return true;
    }

    private void select(CheckPair p) {
        if (result.isDone()) {
            return;
        }
        cancelTimers();
        PathKind path = p.remote.type() == CandidateType.RELAYED ? PathKind.RELAY_UDP
                : p.remote.type() == CandidateType.HOST && isLocalHostAddress(p.mapped) ? PathKind.DIRECT : PathKind.HOLE_PUNCHED;
        result.complete(new CheckResult(new CandidatePair(localHost, p.remote), path, clock.millis() - startMs,
                p.remote.address(), checksSent));
        consent.start(p.remote.address(), () -> check(p, false));
    }

    private boolean hasLocal(CandidateType type) {
        return localCandidates.stream().anyMatch(c -> c.type() == type);
    }

    private boolean isLocalHostAddress(InetSocketAddress mapped) {
        return mapped != null && localCandidates.stream().anyMatch(c -> c.type() == CandidateType.HOST && c.address().equals(mapped));
    }

    private void fail(String why) {
        if (!result.isDone()) {
            cancelTimers();
            result.completeExceptionally(new IceFailedException(why));
        }
        consent.lose(why);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** @return {@code p}'s pair priority from this agent's role (RFC 8445 §6.1.2.3), compared unsigned */
    private long priority(CheckPair p) {
        return new CandidatePair(localHost, p.remote).priority(controlling);
    }
}
