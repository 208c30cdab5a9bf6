package dev.parley.codec.playout;

import dev.parley.codec.rtp.RtpPacket;
import java.util.Arrays;
import org.jspecify.annotations.Nullable;

/**
 * The packets a {@link JitterBuffer} holds, keyed by playout slot (one 20 ms Opus frame, slot =
 * extended RTP timestamp / 960): a ring of {@value #CAPACITY} entries (2.56 s of audio) indexed by
 * slot modulo the capacity, each remembering the packet, its slot number, its extended sequence
 * number and its arrival time (ms). Slot numbers are non-negative; -1 marks an empty entry. Not
 * thread-safe: owned by its jitter buffer.
 */
final class PlayoutSlots {
    /** Packets the ring can hold (2.56 s of audio). Power of two. */
    static final int CAPACITY = 128;

    private final @Nullable RtpPacket[] packets = new RtpPacket[CAPACITY];
    private final long[] ids = new long[CAPACITY];
    private final long[] seqs = new long[CAPACITY];
    private final long[] arrivalsMs = new long[CAPACITY];
    private int buffered;

    PlayoutSlots() {
        Arrays.fill(ids, -1);
    }

    /** @return packets held */
    int buffered() {
        return buffered;
    }

    /** @return whether the packet of {@code slot} is held */
    boolean holds(long slot) {
        return ids[index(slot)] == slot;
    }

    /** @return the extended sequence number of the packet stored for {@code slot} (check {@link #holds} first) */
    long seqAt(long slot) {
        return seqs[index(slot)];
    }

    /** @return the arrival time, ms, of the packet stored for {@code slot} (check {@link #holds} first) */
    long arrivalMsAt(long slot) {
        return arrivalsMs[index(slot)];
    }

    /** @return the packet held for {@code slot} (check {@link #holds} first) */
    RtpPacket packetAt(long slot) {
        RtpPacket packet = packets[index(slot)];
        if (packet == null) {
            throw new IllegalStateException("playoutSlots: slot " + slot + " is empty");
        }
        return packet;
    }

    /**
     * Removes and returns the packet held for {@code slot}; its sequence number and arrival time stay
     * readable until the entry is reused.
     */
    RtpPacket take(long slot) {
        RtpPacket packet = packetAt(slot);
        int i = index(slot);
        packets[i] = null;
        ids[i] = -1;
        buffered--;
        return packet;
    }

    /**
     * Stores a packet for {@code slot}. An entry taken by a packet {@value #CAPACITY} slots apart (or a
     * same-timestamp packet) keeps the newer of the two: the higher slot, then the higher sequence number.
     *
     * @return whether a packet was discarded (the old one or this one)
     */
    boolean store(long slot, long seq, RtpPacket packet, long arrivalMs) {
        int i = index(slot);
        boolean discarded = false;
        if (ids[i] >= 0) {
            discarded = true;
            if (ids[i] > slot || (ids[i] == slot && seqs[i] > seq)) {
                return true;
            }
            buffered--;
        }
        packets[i] = packet;
        ids[i] = slot;
        seqs[i] = seq;
        arrivalsMs[i] = arrivalMs;
        buffered++;
        return discarded;
    }

    /** @return the lowest slot held, or {@link Long#MAX_VALUE} when empty */
    long lowestSlot() {
        long lowest = Long.MAX_VALUE;
        for (long s : ids) {
            if (s >= 0 && s < lowest) {
                lowest = s;
            }
        }
        return lowest;
    }

    /** @return the sequence number of the first packet held after {@code slot}, or -1 */
    long nextSeqAfter(long slot) {
        long best = Long.MAX_VALUE;
        long seq = -1;
        for (int i = 0; i < CAPACITY; i++) {
            if (ids[i] > slot && ids[i] < best) {
                best = ids[i];
                seq = seqs[i];
            }
        }
        return seq;
    }

    /** Empties the ring. @return the packets it held */
    int clear() {
        int dropped = buffered;
        Arrays.fill(packets, null);
        Arrays.fill(ids, -1);
        buffered = 0;
        return dropped;
    }

    private static int index(long slot) {
        return (int) (slot & (CAPACITY - 1));
    }
}
