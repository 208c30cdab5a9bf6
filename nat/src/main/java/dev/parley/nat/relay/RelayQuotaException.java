package dev.parley.nat.relay;

/** An allocation request exceeds a quota (per client or total); maps to RATE_LIMITED on the wire. */
public final class RelayQuotaException extends Exception {
    private static final long serialVersionUID = 1L;

    /** @param message which quota, e.g. "relayAllocations for alice: 2 (expected: < 2)" */
    public RelayQuotaException(String message) {
        super(message);
    }
}
