package dev.parley.codec.playout;

import dev.parley.codec.AudioFormats;
import dev.parley.codec.opus.OpusPackets;
import dev.parley.codec.rtp.RtpPacket;
import java.util.Arrays;

/**
 * Reordering playout buffer for one RTP stream of 20 ms Opus frames (RFC 7587), with either a
 * fixed target delay or an adaptive one ({@link #adaptive()}, see {@link DelayEstimator}). Not
 * thread-safe: confine it to the media thread.
 *
 * <p>Time is injected: {@link #offer} takes the packet's arrival time and {@link #poll} the
 * playout clock's time, both in milliseconds from any monotonic origin (the same one for both).
 *
 * <p><b>Slots.</b> Packets are placed ({@link PlayoutSlots}) by RTP timestamp: slot = timestamp / 960 (extended across
 * the 32-bit wrap), so the gaps of DTX (timestamps jump, sequence numbers do not) keep their
 * duration. Playout starts the target delay after the first packet's arrival, from the lowest
 * buffered slot, one slot per {@link #poll} (the caller polls every 20 ms).
 *
 * <p><b>What a slot yields.</b> Its packet ({@link Kind#PACKET}); else, when the next slot's packet
 * is already here and carries Opus in-band FEC, that packet for FEC decoding ({@link Kind#FEC});
 * else {@link Kind#DTX} when sequence numbers prove no packet was sent (the sender was in DTX);
 * else {@link Kind#LOST} for packet loss concealment. A packet arriving after its slot was played
 * is counted as late and dropped, never played out of order. A LOST slot later proven to be DTX
 * (the next packet continues the sequence numbers) is recounted as DTX; LOST slots count as
 * concealed only once a later packet plays, so the silence after a stream's last packet is not loss.
 *
 * <p><b>Adaptive delay.</b> The playout delay of the next slot is measured against the fastest
 * recent packet. Below target − 10 ms the buffer stretches: it yields {@link Kind#EXPAND} (the
 * caller runs PLC) without consuming the slot. Above target + 20 ms it offers to shrink: a PACKET
 * frame comes flagged {@link PlayoutFrame#droppable}, and a caller that decodes it to a quiet frame
 * {@link #drop}s it (an "accelerate") and polls again, at most every {@value #SHRINK_QUIET_INTERVAL_MS}
 * ms; more than {@value #FORCED_SHRINK_EXCESS_MS} ms above target it drops a frame unasked every
 * {@value #SHRINK_FORCED_INTERVAL_MS} ms. Late packets raise the target at once.
 *
 * <p><b>Stream state.</b> Sequence numbers are extended to 64 bits across the 16-bit wrap
 * (RFC 3550 A.1); a jump of more than {@value #MAX_DROPOUT} ahead or {@value #MAX_MISORDER} behind
 * is accepted only when the next packet continues it (the stream restarted), otherwise the stray
 * is discarded. A new SSRC restarts the stream state as well. After {@value #MAX_CONCEAL_FRAMES}
 * non-played slots with an empty buffer (a pause) the buffer re-buffers and re-anchors its delay on
 * the next arrival. Interarrival jitter follows RFC 3550 §6.4.1.
 */
public final class JitterBuffer {
    /** Default fixed target playout delay: three 20 ms frames. */
    public static final int DEFAULT_TARGET_DELAY_MS = 60;
    /** Slots in a row without a packet, with nothing buffered, after which the buffer re-buffers. */
    public static final int MAX_CONCEAL_FRAMES = 10;
    /** RFC 3550 A.1: largest forward sequence jump treated as loss rather than a restart. */
    public static final int MAX_DROPOUT = 3000;
    /** RFC 3550 A.1: largest backward sequence jump treated as reordering rather than a restart. */
    public static final int MAX_MISORDER = 100;
    static final int SHRINK_QUIET_INTERVAL_MS = 500;
    static final int SHRINK_FORCED_INTERVAL_MS = 2000;
    static final int FORCED_SHRINK_EXCESS_MS = 100;
    /** Sequence numbers remembered for duplicate detection. Power of two. */
    static final int HISTORY = 1024;
    private static final long SLOT_ORIGIN = 1L << 24;

    private final PlayoutSlots slots = new PlayoutSlots();
    private final long[] history = new long[HISTORY];
    private final DelayEstimator estimator; // null: fixed delay
    private int fixedDelayMs;

    // Sequence and timestamp state of the current stream epoch (reset by a restart or SSRC change).
    private boolean haveStream;
    private long ssrc;
    private long highestSeq;
    private long lowestSeq;
    private long epochReceived;
    private int badSeq = -1;
    private long highestExtTs;
    private long epochBaseTs;

    // Playout state.
    private boolean playing;
    private boolean anchored;
    private long startAtMs;
    private long nextSlot = Long.MIN_VALUE;
    private int missingInRow;
    private long lastPlayedSeq = -1;
    private long lastPlayedSlot;
    private int lostSinceLastPlayed;
    private long lastShrinkMs = Long.MIN_VALUE / 2;
    private double lastPlayoutDelayMs = -1;

    // Cumulative counters.
    private long received;
    private long lostInPastEpochs;
    private long late;
    private long duplicates;
    private long discarded;
    private long played;
    private long concealed;
    private long fecFrames;
    private long dtxFrames;
    private long expanded;
    private long accelerated;
    private long lossRuns;
    private double playoutDelaySumMs;
    private final InterarrivalJitter jitter = new InterarrivalJitter();

    /** A buffer with the fixed {@link #DEFAULT_TARGET_DELAY_MS}. */
    public JitterBuffer() {
        this(DEFAULT_TARGET_DELAY_MS);
    }

    /**
     * A buffer with a fixed delay.
     *
     * @param targetDelayMs playout delay after the first arrival, 0..2000 ms (rounded by the 20 ms polling)
     * @throws IllegalArgumentException if out of range
     */
    public JitterBuffer(int targetDelayMs) {
        this(null);
        setTargetDelayMs(targetDelayMs);
    }

    private JitterBuffer(DelayEstimator estimator) {
        this.estimator = estimator;
        Arrays.fill(history, -1);
    }

    /** @return a buffer whose delay adapts to the measured jitter, starting at {@value DelayEstimator#START_DELAY_MS} ms */
    public static JitterBuffer adaptive() {
        return new JitterBuffer(new DelayEstimator());
    }

    /**
     * Sets the fixed delay applied from the next (re)start of playout.
     *
     * @param targetDelayMs 0..2000 ms
     * @throws IllegalArgumentException if out of range
     * @throws IllegalStateException    if the buffer is adaptive
     */
    public void setTargetDelayMs(int targetDelayMs) {
        if (estimator != null) {
            throw new IllegalStateException("jitterBuffer: adaptive (the delay follows the measured jitter)");
        }
        if (targetDelayMs < 0 || targetDelayMs > 2000) {
            throw new IllegalArgumentException("targetDelayMs: " + targetDelayMs + " (expected: 0..2000)");
        }
        this.fixedDelayMs = targetDelayMs;
    }

    /** @return the current target delay in ms */
    public int targetDelayMs() {
        return estimator != null ? estimator.targetDelayMs() : fixedDelayMs;
    }

    /**
     * Accepts a received packet.
     *
     * @param packet    an RTP packet of this stream (a new SSRC restarts the stream state)
     * @param arrivalMs arrival time, ms, same clock as {@link #poll}
     */
    public void offer(RtpPacket packet, long arrivalMs) {
        if (haveStream && packet.ssrc() != ssrc) {
            restart();
        }
        if (!haveStream) {
            startEpoch(packet);
        }
        int delta = (short) (packet.sequenceNumber() - (int) (highestSeq & 0xFFFF));
        if (delta > MAX_DROPOUT || delta < -MAX_MISORDER) {
            if (packet.sequenceNumber() != badSeq) {
                badSeq = (packet.sequenceNumber() + 1) & 0xFFFF; // a restart is confirmed by its successor
                discarded++;
                return;
            }
            restart();
            startEpoch(packet);
            delta = 0;
        }
        badSeq = -1;
        long seq = highestSeq + delta;
        int h = (int) (seq & (HISTORY - 1));
        if (history[h] == seq) {
            duplicates++;
            return;
        }
        history[h] = seq;
        jitter.update(packet.timestamp(), arrivalMs);
        received++;
        epochReceived++;
        highestSeq = Math.max(highestSeq, seq);
        lowestSeq = Math.min(lowestSeq, seq);
        long extTs = highestExtTs + (int) (packet.timestamp() - (highestExtTs & 0xFFFF_FFFFL));
        highestExtTs = Math.max(highestExtTs, extTs);
        long slot = SLOT_ORIGIN + Math.floorDiv(extTs - epochBaseTs + AudioFormats.FRAME_SAMPLES / 2, AudioFormats.FRAME_SAMPLES);
        double relativeDelay = estimator == null ? 0 : estimator.onPacket(arrivalMs, extTs);
        if (lastPlayedSeq >= 0 && seq == lastPlayedSeq + 1 && lostSinceLastPlayed > 0) {
            // The sender sent nothing between the last played packet and this one: those were DTX slots.
            long gap = Math.min(lostSinceLastPlayed, Math.max(0, slot - lastPlayedSlot - 1));
            dtxFrames += gap;
            lostSinceLastPlayed -= (int) gap;
        }
        if (slot < nextSlot) {
            late++; // its slot was already played (concealed)
            if (estimator != null) {
                estimator.onLate(relativeDelay);
            }
            return;
        }
        if (slots.store(slot, seq, packet, arrivalMs)) {
            discarded++;
        }
        if (!playing && !anchored) {
            anchored = true;
            startAtMs = arrivalMs + targetDelayMs();
        }
    }

    /**
     * Advances the playout by one 20 ms slot.
     *
     * @param nowMs current playout time, ms, same clock as {@link #offer}
     * @return what to play for this 20 ms
     */
    public PlayoutFrame poll(long nowMs) {
        if (!playing) {
            if (slots.buffered() == 0 || !anchored || nowMs < startAtMs) {
                return PlayoutFrame.NOTHING;
            }
            playing = true;
            missingInRow = 0;
            nextSlot = Math.max(nextSlot, slots.lowestSlot());
        }
        boolean droppable = false;
        if (estimator != null && !Double.isNaN(estimator.minTransitMs())) {
            double delay = currentDelayMs(nowMs);
            int target = estimator.targetDelayMs();
            if (delay < target - 10) {
                expanded++;
                return new PlayoutFrame(PlayoutFrame.Kind.EXPAND, null, nextSlot);
            }
            long sinceShrink = nowMs - lastShrinkMs;
            boolean nextTwoHere = slots.holds(nextSlot) && slots.holds(nextSlot + 1);
            if (nextTwoHere && delay > target + FORCED_SHRINK_EXCESS_MS && sinceShrink >= SHRINK_FORCED_INTERVAL_MS) {
                slots.take(nextSlot); // far too late and never quiet: drop a frame anyway
                accelerated++;
                lastPlayedSeq = slots.seqAt(nextSlot);
                lastPlayedSlot = nextSlot;
                nextSlot++;
                lastShrinkMs = nowMs;
            } else {
                droppable = nextTwoHere && delay > target + AudioFormats.FRAME_MS
                        && sinceShrink >= SHRINK_QUIET_INTERVAL_MS;
            }
        }
        long slot = nextSlot++;
        if (slots.holds(slot)) {
            RtpPacket packet = slots.take(slot);
            missingInRow = 0;
            played++;
            lastPlayedSeq = slots.seqAt(slot);
            lastPlayedSlot = slot;
            commitLost();
            lastPlayoutDelayMs = nowMs - slots.arrivalMsAt(slot);
            playoutDelaySumMs += lastPlayoutDelayMs;
            return new PlayoutFrame(PlayoutFrame.Kind.PACKET, packet, slot, droppable);
        }
        if (slots.holds(slot + 1) && slots.seqAt(slot + 1) != lastPlayedSeq + 1
                && OpusPackets.hasLbrr(slots.packetAt(slot + 1).payload())) {
            missingInRow = 0;
            fecFrames++;
            commitLost();
            return new PlayoutFrame(PlayoutFrame.Kind.FEC, slots.packetAt(slot + 1), slot);
        }
        boolean dtx = lastPlayedSeq >= 0 && slots.nextSeqAfter(slot) == lastPlayedSeq + 1;
        if (dtx) {
            commitLost();
            dtxFrames++;
        } else {
            lostSinceLastPlayed++; // counted as concealed once a later packet proves it was not the stream's end
        }
        if (++missingInRow >= MAX_CONCEAL_FRAMES && slots.buffered() == 0) {
            // The sender paused (or the path died): re-anchor the delay on its next packet, and give
            // back the slots of this run, which a paused sender may not have used yet.
            playing = false;
            anchored = false;
            nextSlot -= missingInRow;
        }
        return new PlayoutFrame(dtx ? PlayoutFrame.Kind.DTX : PlayoutFrame.Kind.LOST, null, slot);
    }

    private void commitLost() {
        if (lostSinceLastPlayed > 0) {
            concealed += lostSinceLastPlayed;
            lossRuns++;
            lostSinceLastPlayed = 0;
        }
    }

    /**
     * Drops the {@link PlayoutFrame#droppable} PACKET frame just polled (the caller found it quiet) to shrink
     * the delay by one frame: it counts as accelerated instead of played. Poll again for this tick's audio.
     *
     * @param nowMs the time of the poll that returned it
     * @throws IllegalStateException if the last frame was not droppable
     */
    public void drop(long nowMs) {
        if (lastPlayedSlot != nextSlot - 1 || lastPlayoutDelayMs < 0) {
            throw new IllegalStateException("jitterBuffer: nothing droppable was just polled");
        }
        played--;
        playoutDelaySumMs -= lastPlayoutDelayMs;
        lastPlayoutDelayMs = -1;
        accelerated++;
        lastShrinkMs = nowMs;
    }

    /** @return how much later than the fastest recent packet the next slot plays, ms (adaptive only) */
    private double currentDelayMs(long nowMs) {
        double slotTimeMs = (epochBaseTs + (nextSlot - SLOT_ORIGIN) * AudioFormats.FRAME_SAMPLES)
                / (double) AudioFormats.SAMPLES_PER_MS;
        return nowMs - (estimator.minTransitMs() + slotTimeMs);
    }

    /** @return a snapshot of the counters */
    public JitterBufferStats stats() {
        return new JitterBufferStats(received, lostInPastEpochs + epochLost(), late, duplicates, discarded,
                played, concealed, slots.buffered(), jitter.timestampUnits(), jitter.ms(), fecFrames, dtxFrames,
                expanded, accelerated, lossRuns, targetDelayMs(), played == 0 ? 0 : playoutDelaySumMs / played);
    }

    /** @return packets waiting for playout */
    public int bufferedFrames() {
        return slots.buffered();
    }

    /**
     * @return cycles × 65536 + highest sequence number received in the current stream epoch, as an
     *     RTCP report block carries it (RFC 3550 §6.4.1), or 0 before any packet
     */
    public long extendedHighestSequence() {
        return haveStream ? (highestSeq - (1L << 16)) & 0xFFFF_FFFFL : 0;
    }

    /** @return the SSRC of the current stream, or -1 before any packet */
    public long ssrc() {
        return haveStream ? ssrc : -1;
    }

    private long epochLost() {
        return haveStream ? Math.max(0, highestSeq - lowestSeq + 1 - epochReceived) : 0;
    }

    private void startEpoch(RtpPacket packet) {
        haveStream = true;
        ssrc = packet.ssrc();
        // Extended numbers start one cycle up so that reordered predecessors stay positive.
        highestSeq = (1L << 16) + packet.sequenceNumber();
        lowestSeq = highestSeq;
        highestExtTs = (1L << 32) + packet.timestamp();
        epochBaseTs = highestExtTs;
        epochReceived = 0;
        badSeq = -1;
        lastPlayedSeq = -1;
        lostSinceLastPlayed = 0;
        if (estimator != null) {
            estimator.resetBaseline();
        }
    }

    private void restart() {
        lostInPastEpochs += epochLost();
        discarded += slots.clear();
        Arrays.fill(history, -1);
        haveStream = false;
        jitter.reset();
        playing = false;
        anchored = false;
        nextSlot = Long.MIN_VALUE;
    }
}
