package dev.parley.nat.relay;

import java.util.Arrays;

/**
 * One relay allocation for one call: two parties, each identified by its bind token and proven by
 * its bind key. The super node gives {@code callerToken}/{@code callerKey} to the requesting client
 * and {@code calleeToken}/{@code calleeKey} travel to the peer in the INVITE (docs/nat.md). Only a
 * source address latched with a token and a proof of its key may send through the allocation, and
 * only to the other party.
 *
 * @param id allocation id (unique per table)
 * @param owner the username that requested it (quota accounting, release)
 * @param callId the call it was requested for (as the owner named it)
 * @param callerToken 16 random bytes
 * @param calleeToken 16 random bytes
 * @param callerKey 16 random bytes, the caller's bind key
 * @param calleeKey 16 random bytes, the callee's bind key
 * @param createdMs creation time, ms since the epoch
 */
public record RelayAllocation(long id, String owner, String callId, byte[] callerToken, byte[] calleeToken,
        byte[] callerKey, byte[] calleeKey, long createdMs) {
    /** Copies the tokens and keys. */
    public RelayAllocation {
        callerToken = callerToken.clone();
        calleeToken = calleeToken.clone();
        callerKey = callerKey.clone();
        calleeKey = calleeKey.clone();
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
    public byte[] callerKey() {
        return callerKey.clone();
    }

    @Override
    public byte[] calleeKey() {
        return calleeKey.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RelayAllocation a && a.id == id && a.owner.equals(owner) && a.callId.equals(callId)
                && Arrays.equals(a.callerToken, callerToken) && Arrays.equals(a.calleeToken, calleeToken)
                && Arrays.equals(a.callerKey, callerKey) && Arrays.equals(a.calleeKey, calleeKey) && a.createdMs == createdMs;
    }

    @Override
    public int hashCode() {
        return Long.hashCode(id);
    }

    @Override
    public String toString() {
        return "RelayAllocation[" + id + ", " + owner + ", call " + callId + "]"; // never the tokens or keys
    }
}
