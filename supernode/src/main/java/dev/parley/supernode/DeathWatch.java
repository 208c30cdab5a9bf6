package dev.parley.supernode;

import dev.parley.protocol.HostPort;
import dev.parley.protocol.RateBucket;
import dev.parley.protocol.wire.Address;
import dev.parley.protocol.wire.Envelope;
import dev.parley.protocol.wire.MeshSuspect;
import java.time.InstantSource;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;

/**
 * Spreads news of a dead peer super node fast, so that the mesh stops handing out search answers
 * that name it (docs/protocol.md "Dead super nodes").
 *
 * <p>Without it, a super node learns that a peer died from its own missed pings (up to 3 of them,
 * one per round, each waited for 1 s: several seconds) and its positive search cache keeps
 * answering "user U is at the dead peer" for its TTL, while U has long rejoined elsewhere.
 *
 * <p><b>Evidence.</b> A peer is <i>suspected</i> here when (a) it misses a round's ping after
 * answering the one before, or (b) a client registering here says it lost that super node
 * ({@code Register.lost_super_node}) and a probe (a ping, {@value #PROBE_TIMEOUT_MS} ms) goes
 * unanswered: a client's word alone drops nothing. A suspected peer is counted dead (b only) and
 * the listeners (the search cache) drop what names it; then every live peer gets a
 * {@code MeshSuspect} push, at most once per {@value #SPREAD_QUIET_MS} ms per suspect.
 *
 * <p><b>Spreading is bounded</b>, as every spread costs a datagram to each live peer and an
 * overloaded mesh misses pings everywhere at once: N nodes each spreading news of N peers to N
 * peers is N³ datagrams, which kept a 100-node mesh overloaded for a minute (docs/benchmarks.md).
 * So news is not spread (the local cache sweep still happens) when (1) a peer's news of the same
 * suspect arrived within {@value #SPREAD_QUIET_MS} ms (the others have heard it), (2) this node's
 * own mesh receive queue is standing ({@link MeshQueueDelay}): the silence may be its own delay,
 * as in Lifeguard's local health awareness, or (3) more than {@value #SPREADS_PER_S} spreads a
 * second (burst {@value #SPREAD_BURST}) would go out. Each peer still finds a dead one with its own
 * pings within a few rounds.
 *
 * <p><b>News from peers</b> ({@code MeshSuspect}, sealed: from a certified peer) is not believed
 * either: unless the named peer answered this node within the probe timeout, this node drops its
 * cached answers naming it (a fresh search still asks it, so if it lives, nothing is lost but a
 * lookup) and probes it (with the round pings' timeout); a missed probe counts it dead. News is taken at most
 * {@value #NEWS_PER_S} times a second in all and acted on once per suspect per probe timeout, so a
 * lying peer costs one probe and one cache sweep per suspect and timeout.
 *
 * <p>Confined to the mesh event loop (except {@link #addListener} and the counters).
 */
final class DeathWatch {
    /** How long a probe waits for the pong (a second copy goes after half of it). */
    static final long PROBE_TIMEOUT_MS = 500;
    /** Pushes about one suspect go out at most this often. */
    static final long SPREAD_QUIET_MS = 5_000;
    /** {@code MeshSuspect} pushes taken per second (burst: twice). */
    static final int NEWS_PER_S = 20;
    /** Suspects this node spreads news of per second. */
    static final double SPREADS_PER_S = 0.5;
    /** Suspects this node may spread news of at once. */
    static final int SPREAD_BURST = 3;

    private final MeshTransport transport;
    private final PeerTable table;
    private final MeshLiveness liveness;
    private final InstantSource clock;
    private final long newsProbeTimeoutMs;
    private final RateBucket news;
    private final RateBucket spreads;
    /** When each peer was last probed or swept for (clock ms); pruned to table entries. */
    private final Map<HostPort, Long> checkedAt = new HashMap<>();
    /** When news of each suspect was last spread or heard from a peer (clock ms); pruned to table entries. */
    private final Map<HostPort, Long> spreadAt = new HashMap<>();
    private final List<Consumer<HostPort>> listeners = new CopyOnWriteArrayList<>();
    private final LongAdder suspected = new LongAdder();
    private final LongAdder confirmed = new LongAdder();
    private final LongAdder unspread = new LongAdder();
    private final LongAdder spread = new LongAdder();
    private final LongAdder heard = new LongAdder();

    /**
     * @param transport where {@code MeshSuspect} pushes go
     * @param table the peer table (suspects are counted dead there)
     * @param liveness sends the probes
     * @param clock time of the rate limits
     * @param newsProbeTimeoutMs how long a probe after a peer's news waits (the round pings' timeout:
     *     news is second hand, so a slow answer should not count a live peer dead)
     */
    DeathWatch(MeshTransport transport, PeerTable table, MeshLiveness liveness, InstantSource clock, long newsProbeTimeoutMs) {
        this.newsProbeTimeoutMs = newsProbeTimeoutMs;
        this.transport = transport;
        this.table = table;
        this.liveness = liveness;
        this.clock = clock;
        this.news = new RateBucket(NEWS_PER_S, 2.0 * NEWS_PER_S, clock.millis());
        this.spreads = new RateBucket(SPREADS_PER_S, SPREAD_BURST, clock.millis());
    }

    /** Registers a listener told (on the mesh loop) of each suspected peer: drop answers naming it. */
    void addListener(Consumer<HostPort> listener) {
        listeners.add(listener);
    }

    /** @return peers suspected so far (missed pings, or probes after news or a client's hint) */
    long suspected() {
        return suspected.sum();
    }

    /** @return probes after news or a client's hint that went unanswered */
    long confirmedDead() {
        return confirmed.sum();
    }

    /** @return suspects whose news this node spread to every live peer */
    long spread() {
        return spread.sum();
    }

    /**
     * @return suspects whose news this node did not spread: spread or heard within
     *     {@value #SPREAD_QUIET_MS} ms, its own queue standing, or over the rate
     */
    long unspread() {
        return unspread.sum();
    }

    /** @return news of a known suspect taken from peers (within {@value #NEWS_PER_S} a second) */
    long heard() {
        return heard.sum();
    }

    /** A round's ping to {@code p} went unanswered, and its last one had not: suspect it, spread the news. */
    void missed(PeerTable.Peer p) {
        suspect(p);
    }

    /**
     * A client registering here says its connection to {@code superNode} dropped: probe it, and if
     * it is silent count it dead and spread the news.
     */
    void clientLost(HostPort superNode) {
        PeerTable.Peer p = table.get(superNode);
        if (p == null || !checkDue(p)) {
            return;
        }
        liveness.probe(p, PROBE_TIMEOUT_MS).thenAccept(answered -> {
            if (!answered && table.get(p.address) == p) {
                confirmed.increment();
                table.markDead(p);
                table.publish();
                suspect(p);
            }
        });
    }

    /** A known peer says {@code news.super_node} stopped answering it: check for ourselves. */
    void onNews(MeshSuspect news, PeerTable.Peer from) {
        if (this.news.tryTake(1, clock.millis()) > 0 || !news.hasSuperNode()) {
            return;
        }
        Address named = news.getSuperNode();
        PeerTable.Peer p;
        try {
            p = table.get(HostPort.of(named));
        } catch (IllegalArgumentException e) {
            return; // a blank host or a port out of range: names no peer
        }
        if (p == null || p == from) {
            return;
        }
        // The others heard it too: this node's own suspicion of p need not tell them again. A liar
        // can only delay the news, not keep a peer from finding p dead with its own pings.
        spreadAt.put(p.address, clock.millis());
        prune(spreadAt);
        heard.increment();
        if (clock.millis() - p.lastHeardMs < PROBE_TIMEOUT_MS || !checkDue(p)) {
            return; // heard from just now, or checked just now
        }
        listeners.forEach(l -> l.accept(p.address)); // costs a fresh search at worst
        liveness.probe(p, newsProbeTimeoutMs).thenAccept(answered -> {
            if (!answered && table.get(p.address) == p) {
                confirmed.increment();
                table.markDead(p);
                table.publish();
            }
        });
    }

    private void suspect(PeerTable.Peer p) {
        suspected.increment();
        listeners.forEach(l -> l.accept(p.address));
        long now = clock.millis();
        Long last = spreadAt.get(p.address);
        boolean quiet = last == null || now - last >= SPREAD_QUIET_MS; // not spread nor heard just now
        if (!quiet || transport.queueStanding(now) || spreads.tryTake(1, now) > 0) {
            unspread.increment();
            return;
        }
        spreadAt.put(p.address, now);
        prune(spreadAt);
        spread.increment();
        Envelope.Builder push = Envelope.newBuilder().setMeshSuspect(MeshSuspect.newBuilder().setSuperNode(p.address.toAddress()));
        for (PeerTable.Peer q : table.live()) {
            if (q != p) {
                transport.send(q.socket, push);
            }
        }
    }

    /** @return whether {@code p} was not probed or swept for within the probe timeout (and marks it now) */
    private boolean checkDue(PeerTable.Peer p) {
        long now = clock.millis();
        Long last = checkedAt.get(p.address);
        if (last != null && now - last < PROBE_TIMEOUT_MS) {
            return false;
        }
        checkedAt.put(p.address, now);
        prune(checkedAt);
        return true;
    }

    /** Keeps {@code m} bounded by the table: entries of peers no longer known go. */
    private void prune(Map<HostPort, Long> m) {
        if (m.size() > 2 * Math.max(16, table.size())) {
            m.keySet().removeIf(a -> table.get(a) == null);
        }
    }
}
