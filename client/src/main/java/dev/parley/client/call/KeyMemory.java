package dev.parley.client.call;

import java.util.HashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The identity keys of contacts this user has called or been called by (trust on first use): a
 * different key next time is announced loudly ({@link CallListener#onPeerKeyChanged}) before the
 * call connects. Called on the call engine's thread; implementations must not block it on I/O.
 */
public interface KeyMemory {
    /** @return the raw Ed25519 key remembered for {@code username}, or none */
    byte @Nullable [] known(String username);

    /** Remembers {@code key} for {@code username} (replacing an older one). */
    void remember(String username, byte[] key);

    /** @return a memory that forgets everything when the process ends (tests) */
    static KeyMemory inMemory() {
        Map<String, byte[]> keys = new HashMap<>();
        return new KeyMemory() {
            @Override
            public byte @Nullable [] known(String username) {
                byte[] k = keys.get(username);
                return k == null ? null : k.clone();
            }

            @Override
            public void remember(String username, byte[] key) {
                keys.put(username, key.clone());
            }
        };
    }
}
