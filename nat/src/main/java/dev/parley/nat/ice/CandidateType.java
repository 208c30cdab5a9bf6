package dev.parley.nat.ice;

/** Candidate types with the recommended type preferences of RFC 8445 §5.1.2.2. */
public enum CandidateType {
    /** An address on a local interface (type preference 126). */
    HOST(126, "host"),
    /** Learned from an incoming check or a check's response (110). */
    PEER_REFLEXIVE(110, "prflx"),
    /** The NAT's mapping as reported by a STUN server (100). */
    SERVER_REFLEXIVE(100, "srflx"),
    /** An address on a relay (super node) that forwards to the peer (0). */
    RELAYED(0, "relay");

    private final int typePreference;
    private final String sdpName;

    CandidateType(int typePreference, String sdpName) {
        this.typePreference = typePreference;
        this.sdpName = sdpName;
    }

    /** @return 0..126 */
    public int typePreference() {
        return typePreference;
    }

    /** @return the short name used in SDP ("host", "srflx", "prflx", "relay") */
    public String sdpName() {
        return sdpName;
    }
}
