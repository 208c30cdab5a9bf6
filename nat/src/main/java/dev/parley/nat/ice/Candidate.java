package dev.parley.nat.ice;

import java.net.InetSocketAddress;

/**
 * A transport address a peer may be reachable at (RFC 8445 §5.1). Parley uses one component
 * (RTP and RTCP multiplexed, RFC 5761) and one UDP socket per client, so every local candidate has
 * that socket as its base.
 *
 * @param type host, server-reflexive, peer-reflexive or relayed
 * @param address the transport address (resolved IP)
 * @param priority 32-bit priority (§5.1.2.1), unsigned in a long
 */
public record Candidate(CandidateType type, InetSocketAddress address, long priority) {
    /** Single component: RTP and RTCP share one address. */
    public static final int COMPONENT_ID = 1;
    /** Local preference for a host with a single interface (§5.1.2.1). */
    public static final int DEFAULT_LOCAL_PREFERENCE = 65535;

    /** @throws IllegalArgumentException if the address is unresolved or the priority out of range */
    public Candidate {
        if (address == null || address.isUnresolved()) {
            throw new IllegalArgumentException("address: " + address + " (expected: a resolved IP address)");
        }
        if (priority < 1 || priority > 0xffffffffL) {
            throw new IllegalArgumentException(String.format("priority: %d (expected: 1..2^32-1)", priority));
        }
    }

    /**
     * RFC 8445 §5.1.2.1: priority = 2^24·type preference + 2^8·local preference + (256 − component id).
     *
     * @param type candidate type (gives the type preference)
     * @param localPreference 0..65535 (higher = preferred interface)
     * @return the priority, 1..2^32−1
     */
    public static long priority(CandidateType type, int localPreference) {
        if (localPreference < 0 || localPreference > 65535) {
            throw new IllegalArgumentException(String.format("localPreference: %d (expected: 0..65535)", localPreference));
        }
        return ((long) type.typePreference() << 24) + ((long) localPreference << 8) + (256 - COMPONENT_ID);
    }

    /** @return a candidate of that type with the default local preference */
    public static Candidate of(CandidateType type, InetSocketAddress address) {
        return new Candidate(type, address, priority(type, DEFAULT_LOCAL_PREFERENCE));
    }

    @Override
    public String toString() {
        return type.sdpName() + " " + address.getAddress().getHostAddress() + ":" + address.getPort() + " " + priority;
    }
}
