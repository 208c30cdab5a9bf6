package dev.parley.nat.relay;

import dev.parley.nat.stun.TransactionId;

/**
 * What a relay bind offers as proof that it comes from the party that holds the token's key
 * (docs/security.md "Relays you can't steal"). {@link RelayAllocationTable#bind} checks it.
 */
public sealed interface RelayBindProof {
    /**
     * A UDP relay bind: the STUN Binding request as received, whose MESSAGE-INTEGRITY (HMAC-SHA1,
     * RFC 8489 §14.5) must verify with the party's key used as the short-term key.
     *
     * @param request the datagram as received
     * @param transactionId its transaction id (a replay of an accepted bind from another address is refused)
     */
    record StunIntegrity(byte[] request, TransactionId transactionId) implements RelayBindProof {
        /** Copies the request. */
        public StunIntegrity {
            request = request.clone();
        }
    }

    /**
     * A TCP relay bind ({@code RelayBindTcp} on a TLS connection): the key itself, compared in
     * constant time.
     *
     * @param key the party's key as sent
     */
    record Key(byte[] key) implements RelayBindProof {
        /** Copies the key. */
        public Key {
            key = key.clone();
        }
    }
}
