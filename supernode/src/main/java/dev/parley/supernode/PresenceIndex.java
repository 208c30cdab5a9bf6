package dev.parley.supernode;

import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * The users registered on this super node: canonical username to {@link Session}.
 *
 * <p>Shared by all event loops; a {@link ConcurrentHashMap} gives lock-free reads and atomic
 * replace/remove, so no connection ever blocks on another. At most one session per user: a new
 * registration replaces the old one (the caller then closes the old connection).
 */
final class PresenceIndex {
    private final ConcurrentHashMap<String, Session> sessions = new ConcurrentHashMap<>();
    private final Consumer<String> onChange;
    private final AtomicLong version = new AtomicLong();

    /** @param onChange called with the username after every change (e.g. to invalidate search caches) */
    PresenceIndex(Consumer<String> onChange) {
        this.onChange = Objects.requireNonNull(onChange, "onChange");
    }

    /**
     * Records a session, replacing any other session of the same user.
     *
     * @return the replaced session, or {@code null}
     */
    Session put(Session session) {
        Session previous = sessions.put(session.username(), session);
        version.incrementAndGet();
        onChange.accept(session.username());
        return previous;
    }

    /**
     * Removes {@code session} only if it is still the user's current session.
     *
     * @return true if it was removed
     */
    boolean remove(Session session) {
        boolean removed = sessions.remove(session.username(), session);
        if (removed) {
            version.incrementAndGet();
            onChange.accept(session.username());
        }
        return removed;
    }

    /** @return the current session of the canonical {@code username}, or {@code null} */
    Session get(String username) {
        return sessions.get(username);
    }

    /** @return a counter that changes with every registration and removal (for digest rebuilds) */
    long version() {
        return version.get();
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
