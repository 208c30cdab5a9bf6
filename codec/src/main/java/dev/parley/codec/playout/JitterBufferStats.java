package dev.parley.codec.playout;

/**
 * Counters of a {@link JitterBuffer}, cumulative since it was created.
 *
 * @param received         distinct packets accepted (including ones that later proved late)
 * @param lost             RFC 3550 §6.4.1 cumulative loss: expected (from the sequence-number span) minus received, ≥ 0
 * @param late             packets that arrived after their playout slot had passed (dropped, never played)
 * @param duplicates       packets whose sequence number was already received (dropped)
 * @param discarded        packets dropped as a suspicious sequence jump (RFC 3550 A.1 probation) or buffer overflow
 * @param played           slots that yielded a packet for decoding
 * @param concealed        slots that yielded {@link PlayoutFrame.Kind#LOST}: missing after FEC (lost or late), PLC ran
 * @param bufferedFrames   packets currently waiting in the buffer
 * @param jitterTimestamps RFC 3550 §6.4.1 interarrival jitter in RTP timestamp units (48 kHz)
 * @param jitterMs         the same jitter in milliseconds
 * @param fecFrames        missing slots recovered from the next packet's in-band FEC ({@link PlayoutFrame.Kind#FEC})
 * @param dtxFrames        slots the sender left empty on purpose (DTX)
 * @param expanded         concealment frames inserted to grow the delay ({@link PlayoutFrame.Kind#EXPAND})
 * @param accelerated      frames dropped to shrink the delay
 * @param lossRuns         runs of consecutive concealed slots (for the E-model burst ratio)
 * @param targetDelayMs    the current target delay, ms
 * @param meanDelayMs      mean time from arrival to playout of played packets, ms
 */
public record JitterBufferStats(long received, long lost, long late, long duplicates, long discarded,
                                long played, long concealed, int bufferedFrames,
                                double jitterTimestamps, double jitterMs, long fecFrames, long dtxFrames,
                                long expanded, long accelerated, long lossRuns, int targetDelayMs,
                                double meanDelayMs) {
}
