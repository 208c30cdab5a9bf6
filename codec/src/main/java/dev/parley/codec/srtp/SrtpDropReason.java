package dev.parley.codec.srtp;

/** Why a received SRTP or SRTCP packet was dropped; each is counted in {@link SrtpStats}. */
public enum SrtpDropReason {
    /**
     * Too short for its header and tag, longer than the maximum packet size, not RTP/RTCP version
     * 2, its header overruns the packet, or SRTCP without encryption (the E flag clear): we never
     * send that, so a peer or attacker asking for plaintext RTCP is refused.
     */
    MALFORMED,
    /** The GCM tag did not verify: tampered, forged, truncated, or under another key (RFC 7714 §9.3). */
    AUTHENTICATION,
    /** The packet index was already received or is older than the replay window (RFC 3711 §3.3.2). */
    REPLAY,
    /** A new SSRC after the bounded number of streams per session is taken; nothing is decrypted for it. */
    UNKNOWN_STREAM
}
