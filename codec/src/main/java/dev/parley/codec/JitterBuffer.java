package dev.parley.codec;

import java.util.Arrays;

/**
 * Reordering playout buffer for one RTP stream (one SSRC) of 20 ms Opus frames, with a fixed
 * target delay. Not thread-safe: confine it to the media thread.
 *
 * <p>Time is injected: {@link #offer} takes the packet's arrival time and {@link #poll} the
 * playout clock's time, both in milliseconds from any monotonic origin (the same one for both).
 *
 * <p>Playout: buffering starts with the first packet; {@code targetDelayMs} after its arrival the
 * buffer starts playing, from the lowest buffered sequence number, one sequence number per
 * {@link #poll} (the caller polls every 20 ms). A missing slot yields {@link Kind#LOST} so the
 * caller conceals it; a packet arriving after its slot is counted as late and dropped, never played
 * out of order. After {@value #MAX_CONCEAL_FRAMES} concealed slots with an empty buffer (the
 * sender paused or stopped) the buffer returns to buffering, releases the sequence numbers of those
 * slots (a paused sender continues with them) and re-anchors its delay on the next arrival, so a
 * later talkspurt keeps the target delay.
 *
 * <p>Sequence numbers are extended to 64 bits across the 16-bit wrap (RFC 3550 A.1); a jump of
 * more than {@value #MAX_DROPOUT} ahead or {@value #MAX_MISORDER} behind is accepted only when
 * the next packet continues it (the stream restarted), otherwise the stray is discarded. A new
 * SSRC restarts the sequence state as well. Interarrival jitter follows RFC 3550 §6.4.1.
 *
 * <p>The delay is a field read at each (re)start of playout, so an adaptive policy can later
 * change it through {@link #setTargetDelayMs}.
 */
public final class JitterBuffer {
    /** Default target playout delay: three 20 ms frames. */
    public static final int DEFAULT_TARGET_DELAY_MS = 60;
    /** Concealed slots in a row, with nothing buffered, after which the buffer re-buffers. */
    public static final int MAX_CONCEAL_FRAMES = 10;
    /** RFC 3550 A.1: largest forward sequence jump treated as loss rather than a restart. */
    public static final int MAX_DROPOUT = 3000;
    /** RFC 3550 A.1: largest backward sequence jump treated as reordering rather than a restart. */
    public static final int MAX_MISORDER = 100;
    /** Packets the buffer can hold (2.56 s of audio). Power of two. */
    static final int CAPACITY = 128;
    /** Sequence numbers remembered for duplicate detection. Power of two. */
    static final int HISTORY = 1024;

    /** What the playout clock should do for the current slot. */
    public enum Kind {
        /** Decode {@link Frame#packet()}. */
        PACKET,
        /** The slot's packet is missing: run packet loss concealment. */
        LOST,
        /** Playout has not started (or re-buffers): play silence. */
        NOTHING
    }

    /**
     * One playout slot.
     *
     * @param kind     what to do
     * @param packet   the packet to decode for {@link Kind#PACKET}, else null
     * @param sequence extended sequence number of the slot for PACKET and LOST, else -1
     */
    public record Frame(Kind kind, RtpPacket packet, long sequence) {
        /** The shared NOTHING frame. */
        public static final Frame NOTHING = new Frame(Kind.NOTHING, null, -1);

        /** @return the Opus payload for PACKET frames, else null */
        public byte[] payload() {
            return packet == null ? null : packet.payload();
        }
    }

    private final RtpPacket[] slots = new RtpPacket[CAPACITY];
    private final long[] slotSeq = new long[CAPACITY];
    private final long[] history = new long[HISTORY];
    private int targetDelayMs;

    // Sequence state of the current stream epoch (reset by a restart or SSRC change).
    private boolean haveStream;
    private long ssrc;
    private long highestSeq;
    private long lowestSeq;
    private long epochReceived;
    private int badSeq = -1;
    private boolean transitValid;
    private int lastTransit;

    // Playout state.
    private boolean playing;
    private boolean anchored;
    private long startAtMs;
    private long nextSeq = Long.MIN_VALUE;
    private int missingInRow;
    private int buffered;

    // Cumulative counters.
    private long received;
    private long lostInPastEpochs;
    private long late;
    private long duplicates;
    private long discarded;
    private long played;
    private long concealed;
    private double jitter;

    /** A buffer with {@link #DEFAULT_TARGET_DELAY_MS}. */
    public JitterBuffer() {
        this(DEFAULT_TARGET_DELAY_MS);
    }

    /**
     * @param targetDelayMs playout delay after the first arrival, 0..2000 ms (rounded by the 20 ms polling)
     * @throws IllegalArgumentException if out of range
     */
    public JitterBuffer(int targetDelayMs) {
        setTargetDelayMs(targetDelayMs);
        Arrays.fill(slotSeq, -1);
        Arrays.fill(history, -1);
    }

    /**
     * Sets the delay applied from the next (re)start of playout.
     *
     * @param targetDelayMs 0..2000 ms
     * @throws IllegalArgumentException if out of range
     */
    public void setTargetDelayMs(int targetDelayMs) {
        if (targetDelayMs < 0 || targetDelayMs > 2000) {
            throw new IllegalArgumentException("targetDelayMs: " + targetDelayMs + " (expected: 0..2000)");
        }
        this.targetDelayMs = targetDelayMs;
    }

    /** @return the current target delay in ms */
    public int targetDelayMs() {
        return targetDelayMs;
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
        updateJitter(packet.timestamp(), arrivalMs);
        received++;
        epochReceived++;
        highestSeq = Math.max(highestSeq, seq);
        lowestSeq = Math.min(lowestSeq, seq);
        if (seq < nextSeq) {
            late++; // its slot was already played (concealed)
            return;
        }
        store(seq, packet);
        if (!playing && !anchored) {
            anchored = true;
            startAtMs = arrivalMs + targetDelayMs;
        }
    }

    /**
     * Advances the playout by one 20 ms slot.
     *
     * @param nowMs current playout time, ms, same clock as {@link #offer}
     * @return a packet to decode, a LOST slot to conceal, or {@link Frame#NOTHING} while buffering
     */
    public Frame poll(long nowMs) {
        if (!playing) {
            if (buffered == 0 || !anchored || nowMs < startAtMs) {
                return Frame.NOTHING;
            }
            playing = true;
            missingInRow = 0;
            nextSeq = Math.max(nextSeq, lowestBuffered());
        }
        long seq = nextSeq++;
        int i = (int) (seq & (CAPACITY - 1));
        if (slotSeq[i] == seq) {
            RtpPacket packet = slots[i];
            slots[i] = null;
            slotSeq[i] = -1;
            buffered--;
            missingInRow = 0;
            played++;
            return new Frame(Kind.PACKET, packet, seq);
        }
        concealed++;
        if (++missingInRow >= MAX_CONCEAL_FRAMES && buffered == 0) {
            // The sender paused (or the path died): re-anchor the delay on its next packet, and give
            // back the sequence numbers of this run, which a paused sender has not used yet.
            playing = false;
            anchored = false;
            nextSeq -= missingInRow;
        }
        return new Frame(Kind.LOST, null, seq);
    }

    /** @return a snapshot of the counters */
    public JitterBufferStats stats() {
        return new JitterBufferStats(received, lostInPastEpochs + epochLost(), late, duplicates, discarded,
                played, concealed, buffered, jitter, jitter / AudioFormats.SAMPLES_PER_MS);
    }

    /** @return packets waiting for playout */
    public int bufferedFrames() {
        return buffered;
    }

    private void store(long seq, RtpPacket packet) {
        int i = (int) (seq & (CAPACITY - 1));
        if (slotSeq[i] >= 0) {
            // Slot taken by a packet CAPACITY apart: keep the newer one, the older cannot be played in time.
            discarded++;
            if (slotSeq[i] > seq) {
                return;
            }
            buffered--;
        }
        slots[i] = packet;
        slotSeq[i] = seq;
        buffered++;
    }

    private long lowestBuffered() {
        long lowest = Long.MAX_VALUE;
        for (long s : slotSeq) {
            if (s >= 0 && s < lowest) {
                lowest = s;
            }
        }
        return lowest;
    }

    private void updateJitter(long rtpTimestamp, long arrivalMs) {
        // RFC 3550 §6.4.1 / A.8, in 32-bit modular arithmetic so timestamp wrap is harmless.
        int arrival = (int) (arrivalMs * AudioFormats.SAMPLES_PER_MS);
        int transit = arrival - (int) rtpTimestamp;
        if (transitValid) {
            int d = Math.abs(transit - lastTransit);
            jitter += (d - jitter) / 16.0;
        }
        lastTransit = transit;
        transitValid = true;
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
        epochReceived = 0;
        badSeq = -1;
    }

    private void restart() {
        lostInPastEpochs += epochLost();
        discarded += buffered;
        Arrays.fill(slots, null);
        Arrays.fill(slotSeq, -1);
        Arrays.fill(history, -1);
        buffered = 0;
        haveStream = false;
        transitValid = false;
        playing = false;
        anchored = false;
        nextSeq = Long.MIN_VALUE;
    }
}
