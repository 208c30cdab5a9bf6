package dev.parley.supernode;

/**
 * Told that a user's presence changed: registered, replaced or gone, here or (for the mesh's
 * remote notifications) at a peer super node. Registered with {@link PresenceIndex#addListener}
 * and {@link Mesh#addRemoteListener}.
 *
 * <p>Called on the thread that made the change (any event loop): implementations must be
 * thread-safe and quick, handing longer work to their own executor.
 */
@FunctionalInterface
interface PresenceListener {
    /** @param username the canonical username whose presence changed */
    void presenceChanged(String username);
}
