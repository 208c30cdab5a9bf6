package dev.parley.client.call;

import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The identity keys of contacts' devices this user has called, been called by or chatted with
 * (trust on first use). An account may have several devices, each with its own key certified by
 * the login server (docs/security.md "Several devices"), so a contact has a set of keys: a key not
 * in the set of a contact already known is announced as a new device of that contact
 * ({@link CallListener#onPeerNewDevice}) before the call connects. Called on the call engine's and
 * the chat thread; implementations must not block them on I/O.
 */
public interface KeyMemory {
    /** Device keys remembered per contact at most; the least recently seen is forgotten first. */
    int MAX_KEYS_PER_CONTACT = 16;

    /** @return the raw Ed25519 key of {@code username}'s most recently seen device, or none */
    default byte @Nullable [] known(String username) {
        List<byte[]> keys = devices(username);
        return keys.isEmpty() ? null : keys.getLast();
    }

    /** @return the raw Ed25519 keys of {@code username}'s devices, least recently seen first (empty: a stranger) */
    List<byte[]> devices(String username);

    /**
     * Remembers {@code key} as a device of {@code username} (added to its set, or marked as most
     * recently seen; beyond {@value #MAX_KEYS_PER_CONTACT} keys the oldest is forgotten).
     */
    void remember(String username, byte[] key);

    /** @return whether {@code key} is one of {@code username}'s remembered devices */
    default boolean knows(String username, byte[] key) {
        for (byte[] k : devices(username)) {
            if (MessageDigest.isEqual(k, key)) {
                return true;
            }
        }
        return false;
    }

    /** @return a memory that forgets everything when the process ends (tests) */
    static KeyMemory inMemory() {
        Map<String, List<byte[]>> keys = new HashMap<>();
        return new KeyMemory() {
            @Override
            public synchronized List<byte[]> devices(String username) {
                List<byte[]> out = new ArrayList<>();
                keys.getOrDefault(username, List.of()).forEach(k -> out.add(k.clone()));
                return out;
            }

            @Override
            public synchronized void remember(String username, byte[] key) {
                List<byte[]> set = keys.computeIfAbsent(username, k -> new ArrayList<>());
                set.removeIf(k -> Arrays.equals(k, key));
                set.add(key.clone());
                if (set.size() > MAX_KEYS_PER_CONTACT) {
                    set.removeFirst();
                }
            }
        };
    }
}
