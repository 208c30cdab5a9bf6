package dev.parley.supernode;

import dev.parley.protocol.HostPort;

/**
 * A peer super node a search may ask (see {@link MeshPort#candidates}).
 *
 * @param address the peer's advertised address
 * @param suspect true if the peer missed pings (asked last); false if live
 * @param digest what the peer's presence digest says about the user searched
 */
record MeshCandidate(HostPort address, boolean suspect, DigestSays digest) {
    /** What a peer's presence digest says about one user. */
    enum DigestSays {
        /** No digest from this peer yet. */
        NOTHING,
        /** The user may be there (or a Bloom false positive). */
        MAYBE,
        /** The user is not there, but the digest is past its lease: the user may have arrived since. */
        NO_STALE,
        /** The user is not there, and the digest is within its lease ({@link DigestSync#current}). */
        NO_CURRENT
    }
}
