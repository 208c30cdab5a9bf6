package dev.parley.supernode;

import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.time.InstantSource;
import org.jspecify.annotations.Nullable;

/**
 * The users registered on this super node: canonical username to {@link Session}.
 *
 * <p>Shared by all event loops; a {@link ConcurrentHashMap} gives lock-free reads and atomic
 * replace/remove, so no connection ever blocks on another. At most one session per user: a new
 * registration replaces the old one (the caller then closes the old connection).
 */
final class PresenceIndex {
    private final ConcurrentHashMap<String, Session> sessions = new ConcurrentHashMap<>();
    // Registered while the super node is wired up, read on every change from any loop.
    private final List<PresenceListener> listeners = new CopyOnWriteArrayList<>();
    private final AtomicLong version = new AtomicLong();
    private final RevokedCredentials revoked;

    /** An index whose revocations expire on the system clock. */
    PresenceIndex() {
        this(InstantSource.system());
    }

    /** @param clock time of revocation expiry ({@link RevokedCredentials}) */
    PresenceIndex(InstantSource clock) {
        this.revoked = new RevokedCredentials(clock);
    }

    /** @return the credentials the login server revoked here (checked at registration) */
    RevokedCredentials revoked() {
        return revoked;
    }

    /**
     * Registers a listener told after every change (e.g. to invalidate search caches), after the
     * ones registered before it; {@link #version()} already counts the change when it is called.
     */
    void addListener(PresenceListener listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    private void changed(String username) {
        version.incrementAndGet();
        for (PresenceListener l : listeners) {
            l.presenceChanged(username);
        }
    }

    /**
     * Records a session, replacing any other session of the same user.
     *
     * @return the replaced session, if any
     */
    @Nullable Session put(Session session) {
        Session previous = sessions.put(session.username(), session);
        changed(session.username());
        return previous;
    }

    /**
     * Replaces {@code current} with {@code fresh} (a re-registration on the same connection) only if
     * {@code current} is still the user's session.
     *
     * @return true if replaced
     */
    boolean replace(Session current, Session fresh) {
        boolean replaced = sessions.replace(current.username(), current, fresh);
        if (replaced) {
            changed(fresh.username());
        }
        return replaced;
    }

    /**
     * Removes {@code session} only if it is still the user's current session.
     *
     * @return true if it was removed
     */
    boolean remove(Session session) {
        boolean removed = sessions.remove(session.username(), session);
        if (removed) {
            changed(session.username());
        }
        return removed;
    }

    /** @return the current session of the canonical {@code username}, if any */
    @Nullable Session get(String username) {
        return sessions.get(username);
    }

    /** @return a counter that changes with every registration and removal (for digest rebuilds) */
    long version() {
        return version.get();
    }

    /** @return a live view of the sessions (weakly consistent) */
    Collection<Session> sessions() {
        return sessions.values();
    }

    /** @return a live view of the registered canonical usernames (weakly consistent) */
    Set<String> usernames() {
        return sessions.keySet();
    }

    /** @return the number of registered users */
    int size() {
        return sessions.size();
    }
}
