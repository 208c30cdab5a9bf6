package dev.parley.supernode;

import dev.parley.protocol.HostPort;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * How long mesh datagrams waited before this super node read them, and whether a queue stands:
 * the signal that sheds lookups under overload ({@link MeshTransport}).
 *
 * <p><b>Delay.</b> Every sealed datagram carries its sender's wall-clock send time (authenticated,
 * {@code MeshSeal}). Clocks of two hosts differ, so the raw difference {@code now − sentAt} is
 * compared with its own minimum per peer over the last {@value #BASE_BUCKETS} ×
 * {@value #BASE_BUCKET_MS} ms, as LEDBAT does with one-way delays (RFC 6817 §2.4.1): the rest is
 * the queueing delay, ≥ 0 ms, of this datagram.
 *
 * <p><b>Standing queue.</b> A burst (a GC pause, a JIT spurt) queues datagrams for a moment and
 * drains; overload keeps them queued. As in CoDel (RFC 8289 §3.2), a queue stands once every
 * datagram read for {@value #INTERVAL_MS} ms waited longer than {@value #TARGET_MS} ms; one
 * that waited less ends it. Datagrams of every peer count, so one peer's clock stepping back
 * (which looks like delay until its minimum ages out) does not make a queue stand while others'
 * datagrams arrive on time.
 *
 * <p>At most {@value #MAX_PEERS} peers' minimums are kept (only authenticated senders reach
 * here); beyond that all are forgotten and learnt again. Not thread-safe: the mesh loop owns it.
 */
final class MeshQueueDelay {
    /** Queueing delay that a standing queue exceeds, in ms: below a lookup's shortest wave (250 ms). */
    static final long TARGET_MS = 100;
    /** How long every datagram must exceed {@link #TARGET_MS} before the queue stands, in ms. */
    static final long INTERVAL_MS = 200;
    /** Length of one bucket of a peer's minimum, in ms. */
    static final long BASE_BUCKET_MS = 30_000;
    /** Buckets of a peer's minimum: it follows clock drift within about 2 minutes. */
    static final int BASE_BUCKETS = 4;
    /** Most peers whose minimum is kept. */
    static final int MAX_PEERS = 4096;

    /** Per peer: BASE_BUCKETS minimums of now − sentAt (newest last), then the newest bucket's start. */
    private final Map<HostPort, long[]> base = new HashMap<>();
    private long firstAboveMs;

    /**
     * Records one authenticated datagram.
     *
     * @param peer its sender
     * @param nowMs this node's wall clock as the datagram is read, in ms
     * @param sentAtMs the sender's wall clock as it sealed it, in ms
     * @return its queueing delay, in ms (≥ 0)
     */
    long sample(HostPort peer, long nowMs, long sentAtMs) {
        long raw = nowMs - sentAtMs;
        long[] b = base.get(peer);
        if (b == null) {
            if (base.size() >= MAX_PEERS) {
                base.clear();
            }
            b = new long[BASE_BUCKETS + 1];
            Arrays.fill(b, 0, BASE_BUCKETS, raw);
            b[BASE_BUCKETS] = nowMs;
            base.put(peer, b);
        }
        long start = b[BASE_BUCKETS];
        if (nowMs - start >= BASE_BUCKET_MS || nowMs < start) {
            long buckets = nowMs < start ? BASE_BUCKETS : (nowMs - start) / BASE_BUCKET_MS;
            int shift = (int) Math.min(BASE_BUCKETS, buckets);
            System.arraycopy(b, shift, b, 0, BASE_BUCKETS - shift);
            Arrays.fill(b, BASE_BUCKETS - shift, BASE_BUCKETS, raw);
            b[BASE_BUCKETS] = nowMs < start ? nowMs : start + buckets * BASE_BUCKET_MS;
        }
        b[BASE_BUCKETS - 1] = Math.min(b[BASE_BUCKETS - 1], raw);
        long min = raw;
        for (int i = 0; i < BASE_BUCKETS; i++) {
            min = Math.min(min, b[i]);
        }
        long delay = raw - min;
        if (delay <= TARGET_MS) {
            firstAboveMs = 0;
        } else if (firstAboveMs == 0) {
            firstAboveMs = nowMs + INTERVAL_MS;
        }
        return delay;
    }

    /**
     * @param delayMs a lookup's queueing delay, as {@link #sample} returned it, in ms
     * @param nowMs this node's wall clock as it was read, in ms
     * @return whether to drop it unanswered: it waited longer than {@value #TARGET_MS} ms in a
     *     standing queue
     */
    boolean sheds(long delayMs, long nowMs) {
        return delayMs > TARGET_MS && standing(nowMs);
    }

    /**
     * @param nowMs this node's wall clock, in ms
     * @return whether the datagrams read for the last {@value #INTERVAL_MS} ms all waited longer than
     *     {@value #TARGET_MS} ms, up to the last one {@link #sample}d
     */
    boolean standing(long nowMs) {
        return firstAboveMs != 0 && nowMs >= firstAboveMs;
    }
}
