package dev.parley.codec.srtp;

/**
 * A call's SRTP keys, one master key per direction (derived by the call's key agreement; the
 * caller's send key is the callee's receive key).
 *
 * @param send protects what this side sends (RTP and RTCP)
 * @param receive unprotects what the peer sends
 */
public record SrtpKeys(SrtpMasterKey send, SrtpMasterKey receive) {
    /** The cipher suite's name as SDP names it (RFC 7714 §14.2). */
    public static final String SUITE = "AEAD_AES_128_GCM";
}
