package dev.parley.nat.relay;

import java.util.Arrays;

/**
 * One relay allocation for one call: two parties, each identified by its bind token. The super
 * node gives {@code callerToken} to the requesting client and {@code calleeToken} travels to the
 * peer in the INVITE/ACCEPT (docs/nat.md). Only a source address latched with one of the tokens
 * may send through the allocation, and only to the other party.
 *
 * @param id allocation id (unique per table)
 * @param owner the username that requested it (quota accounting)
 * @param callerToken 16 random bytes
 * @param calleeToken 16 random bytes
 * @param createdMs creation time, ms since the epoch
 */
public record RelayAllocation(long id, String owner, byte[] callerToken, byte[] calleeToken, long createdMs) {
    /** Copies the tokens. */
    public RelayAllocation {
        callerToken = callerToken.clone();
        calleeToken = calleeToken.clone();
    }

    @Override
    public byte[] callerToken() {
        return callerToken.clone();
    }

    @Override
    public byte[] calleeToken() {
        return calleeToken.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RelayAllocation a && a.id == id && a.owner.equals(owner)
                && Arrays.equals(a.callerToken, callerToken) && Arrays.equals(a.calleeToken, calleeToken) && a.createdMs == createdMs;
    }

    @Override
    public int hashCode() {
        return Long.hashCode(id);
    }

    @Override
    public String toString() {
        return "RelayAllocation[" + id + ", " + owner + "]";
    }
}
