package dev.parley.client.call;

import dev.parley.protocol.Ed25519KeyPair;
import dev.parley.protocol.X25519KeyPair;
import java.util.Objects;

/**
 * What this side proves and checks calls with (docs/protocol.md "Sealed call signals").
 *
 * @param identity the user's Ed25519 key pair, the one its credential certifies: signs signals
 * @param encryption the user's X25519 key pair, certified in its v2 credential: opens sealed signals
 * @param directory where a caller finds the callee's credential
 * @param contacts the remembered identity keys of contacts
 */
public record CallTrust(Ed25519KeyPair identity, X25519KeyPair encryption, PeerDirectory directory, KeyMemory contacts) {
    /** Compact constructor: all parts are required. */
    public CallTrust {
        Objects.requireNonNull(identity, "identity");
        Objects.requireNonNull(encryption, "encryption");
        Objects.requireNonNull(directory, "directory");
        Objects.requireNonNull(contacts, "contacts");
    }

    /** @return trust with the encryption key derived from {@code identity} ({@link CallKeys#encryptionKey}) */
    public static CallTrust of(Ed25519KeyPair identity, PeerDirectory directory, KeyMemory contacts) {
        return new CallTrust(identity, CallKeys.encryptionKey(identity), directory, contacts);
    }
}
