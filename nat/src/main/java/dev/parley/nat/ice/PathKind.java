package dev.parley.nat.ice;

/** How media flows for a call (the call report's {@code path}). */
public enum PathKind {
    /** Straight between the two hosts, no NAT on the selected pair. */
    DIRECT("direct"),
    /** Between the hosts through at least one NAT, opened by simultaneous checks. */
    HOLE_PUNCHED("hole-punched"),
    /** Through a super node's UDP relay. */
    RELAY_UDP("relay-udp"),
    /** Through a super node over TCP (RFC 4571 framing), when UDP is blocked. */
    RELAY_TCP("relay-tcp");

    private final String label;

    PathKind(String label) {
        this.label = label;
    }

    /** @return the report label, e.g. "hole-punched" */
    public String label() {
        return label;
    }
}
