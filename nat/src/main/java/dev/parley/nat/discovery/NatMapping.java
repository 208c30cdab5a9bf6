package dev.parley.nat.discovery;

/** NAT mapping behaviour as learned from two STUN servers (RFC 4787 §4.1 terms). */
public enum NatMapping {
    /** The server-reflexive address equals the local address: no NAT on the path. */
    NO_NAT("no NAT"),
    /** Same mapped address towards both servers: hole punching can work (RFC 4787 REQ-1). */
    ENDPOINT_INDEPENDENT("endpoint-independent"),
    /** Different mapped addresses per destination ("symmetric" NAT): direct paths need a relay. */
    ENDPOINT_DEPENDENT("endpoint-dependent"),
    /** No STUN server answered: UDP is blocked (or every server is down); media needs TCP relay. */
    UDP_BLOCKED("blocked"),
    /** Only one server answered through a NAT: mapping cannot be classified. */
    UNKNOWN("unknown");

    private final String label;

    NatMapping(String label) {
        this.label = label;
    }

    /** @return the label used in reports and JSON, e.g. "endpoint-independent" */
    public String label() {
        return label;
    }
}
