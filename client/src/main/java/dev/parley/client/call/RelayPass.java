package dev.parley.client.call;

import dev.parley.nat.relay.UdpRelay;
import dev.parley.nat.stun.StunSeal;
import dev.parley.protocol.wire.MediaDescription;
import dev.parley.protocol.wire.RelayAllocated;
import java.util.Arrays;
import org.jspecify.annotations.Nullable;

/**
 * One party's permission at a relay (docs/nat.md "Relays"): its token (which party) and its bind
 * key (the proof: MESSAGE-INTEGRITY of the UDP relay bind, or sent in RelayBindTcp on TLS).
 *
 * @param token 16 bytes from the relay
 * @param key 16 bytes from the relay; empty from an older super node (binds are then plain)
 */
record RelayPass(byte[] token, byte[] key) {
    /** Copies both. */
    RelayPass {
        token = token.clone();
        key = key.clone();
    }

    @Override
    public byte[] token() {
        return token.clone();
    }

    @Override
    public byte[] key() {
        return key.clone();
    }

    /** @return the requester's pass in an allocation */
    static RelayPass caller(RelayAllocated a) {
        return new RelayPass(a.getCallerToken().toByteArray(), a.getCallerKey().toByteArray());
    }

    /** @return the peer's pass in an allocation (it travels in our media description) */
    static RelayPass callee(RelayAllocated a) {
        return new RelayPass(a.getCalleeToken().toByteArray(), a.getCalleeKey().toByteArray());
    }

    /** @return our pass from the peer's media description; none if it offers no relay */
    static @Nullable RelayPass offered(MediaDescription peer) {
        return peer.getRelayToken().isEmpty() ? null : new RelayPass(peer.getRelayToken().toByteArray(), peer.getRelayKey().toByteArray());
    }

    /** @return what the relay bind request carries: MESSAGE-INTEGRITY with the key, or (no key) FINGERPRINT only */
    StunSeal bindSeal() {
        return key.length == 0 ? StunSeal.fingerprintOnly() : UdpRelay.bindSeal(key);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RelayPass p && Arrays.equals(p.token, token) && Arrays.equals(p.key, key);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(token);
    }

    @Override
    public String toString() {
        return "RelayPass[…]"; // never the key
    }
}
