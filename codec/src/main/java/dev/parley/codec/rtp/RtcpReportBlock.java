package dev.parley.codec.rtp;

/**
 * One reception report block of an RTCP SR or RR (RFC 3550 §6.4.1): what the reporter received
 * from source {@code ssrc}.
 *
 * @param ssrc               the source this block is about, unsigned 32-bit
 * @param fractionLost       packets lost since the previous report over packets expected, in 1/256 (0..255)
 * @param cumulativeLost     packets lost since reception began, signed 24-bit (−2^23..2^23−1)
 * @param extendedHighestSeq cycles × 65536 + highest sequence number received, unsigned 32-bit
 * @param jitter             interarrival jitter in RTP timestamp units (48 kHz), unsigned 32-bit
 * @param lastSr             middle 32 bits of the NTP timestamp of the last SR received from {@code ssrc} (LSR), 0 if none
 * @param delaySinceLastSr   delay between receiving that SR and sending this block, in 1/65536 s (DLSR), 0 if none
 */
public record RtcpReportBlock(long ssrc, int fractionLost, int cumulativeLost, long extendedHighestSeq, long jitter,
                              long lastSr, long delaySinceLastSr) {
    /** Encoded size in bytes. */
    public static final int BYTES = 24;

    /** @throws IllegalArgumentException if a field does not fit its wire width */
    public RtcpReportBlock {
        Rtcp.checkRange("ssrc", ssrc, 0, 0xFFFF_FFFFL);
        Rtcp.checkRange("fractionLost", fractionLost, 0, 255);
        Rtcp.checkRange("cumulativeLost", cumulativeLost, -(1 << 23), (1 << 23) - 1);
        Rtcp.checkRange("extendedHighestSeq", extendedHighestSeq, 0, 0xFFFF_FFFFL);
        Rtcp.checkRange("jitter", jitter, 0, 0xFFFF_FFFFL);
        Rtcp.checkRange("lastSr", lastSr, 0, 0xFFFF_FFFFL);
        Rtcp.checkRange("delaySinceLastSr", delaySinceLastSr, 0, 0xFFFF_FFFFL);
    }

    /** @return {@link #fractionLost} as a fraction 0..1 */
    public double fractionLostRatio() {
        return fractionLost / 256.0;
    }

    /**
     * Round-trip time as the sender of the SR computes it on receiving this block (RFC 3550 §6.4.1):
     * A − LSR − DLSR, all in 1/65536 s.
     *
     * @param arrivalNtpMiddle32 middle 32 bits of the NTP time at which this block arrived (A)
     * @return RTT in ms, or -1 when the block carries no LSR (no SR received yet) or the result is negative
     */
    public double roundTripMs(long arrivalNtpMiddle32) {
        if (lastSr == 0) {
            return -1;
        }
        long rtt = (arrivalNtpMiddle32 - lastSr - delaySinceLastSr) & 0xFFFF_FFFFL;
        if (rtt > 0x7FFF_FFFFL) { // negative in modular arithmetic: clocks or LSR inconsistent
            return -1;
        }
        return rtt * 1000.0 / 65536;
    }
}
