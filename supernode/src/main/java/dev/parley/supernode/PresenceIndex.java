package dev.parley.supernode;

import com.google.protobuf.ByteString;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.time.InstantSource;
import org.jspecify.annotations.Nullable;

/**
 * The users registered on this super node: canonical username to the sessions of its devices
 * (several devices per account, docs/protocol.md "Several devices"), oldest first.
 *
 * <p>Shared by all event loops; a {@link ConcurrentHashMap} of immutable lists, changed with atomic
 * {@code compute}s, gives lock-free reads, so no connection ever blocks on another. A device is its
 * credential's key ({@link Session#device()}): a device registering again replaces its own older
 * session; at most {@value #MAX_DEVICES} devices per user, the oldest beyond that is displaced.
 */
final class PresenceIndex {
    /** Devices (sessions) of one user kept at once: bounds what one account can hold on a super node. */
    static final int MAX_DEVICES = 8;

    private final ConcurrentHashMap<String, List<Session>> sessions = new ConcurrentHashMap<>();
    // Registered while the super node is wired up, read on every change from any loop.
    private final List<PresenceListener> listeners = new CopyOnWriteArrayList<>();
    private final AtomicLong version = new AtomicLong();
    private final AtomicInteger count = new AtomicInteger();
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
     * Sessions a registration displaced.
     *
     * @param sameDevice the older session of the same device (its client reconnected), if any
     * @param oldest the user's oldest device, displaced because the user now has more than {@value #MAX_DEVICES}
     */
    record Displaced(@Nullable Session sameDevice, @Nullable Session oldest) {
    }

    /**
     * Records a session as the user's newest device: replaces an older session of the same device
     * and displaces the oldest device beyond {@value #MAX_DEVICES}.
     *
     * @return the sessions displaced (the caller tells and closes them)
     */
    Displaced put(Session session) {
        Displaced d = putWithin(session, Integer.MAX_VALUE);
        assert d != null;
        return d;
    }

    /**
     * As {@link #put}, unless the session is a new one (not replacing its own device, nor displacing
     * the user's oldest) and {@code maxSessions} are registered already: then nothing changes. Exact
     * across concurrent registrations (the count is reserved atomically).
     *
     * @param maxSessions sessions (devices of all users) at most
     * @return the sessions displaced, or null if the index is full
     */
    @Nullable Displaced putWithin(Session session, int maxSessions) {
        Session[] out = new Session[2];
        boolean[] full = new boolean[1];
        sessions.compute(session.username(), (u, list) -> {
            List<Session> next = new ArrayList<>(list == null ? List.of() : list);
            for (Iterator<Session> it = next.iterator(); it.hasNext(); ) {
                Session s = it.next();
                if (s.device().equals(session.device())) {
                    out[0] = s;
                    it.remove();
                }
            }
            next.add(session);
            if (next.size() > MAX_DEVICES) {
                out[1] = next.remove(0);
            }
            // One more session, unless it replaced its device's or displaced the oldest (then as many).
            boolean added = next.size() > (list == null ? 0 : list.size());
            if (added && count.getAndUpdate(c -> c < maxSessions ? c + 1 : c) >= maxSessions) {
                full[0] = true;
                out[0] = null;
                out[1] = null;
                return list; // unchanged (null: no entry)
            }
            return List.copyOf(next);
        });
        if (full[0]) {
            return null;
        }
        changed(session.username());
        return new Displaced(out[0], out[1]);
    }

    /**
     * Replaces {@code current} with {@code fresh} (a re-registration on the same connection) only if
     * {@code current} is still registered; {@code fresh} keeps its place among the user's devices.
     *
     * @return true if replaced
     */
    boolean replace(Session current, Session fresh) {
        boolean[] replaced = new boolean[1];
        sessions.computeIfPresent(current.username(), (u, list) -> {
            int i = list.indexOf(current);
            if (i < 0) {
                return list;
            }
            List<Session> next = new ArrayList<>(list);
            next.set(i, fresh);
            replaced[0] = true;
            return List.copyOf(next);
        });
        if (replaced[0]) {
            changed(fresh.username());
        }
        return replaced[0];
    }

    /**
     * Removes {@code session} only if it is still registered (not replaced by a newer session of its device).
     *
     * @return true if it was removed
     */
    boolean remove(Session session) {
        boolean[] removed = new boolean[1];
        sessions.computeIfPresent(session.username(), (u, list) -> {
            if (!list.contains(session)) {
                return list;
            }
            removed[0] = true;
            count.decrementAndGet();
            List<Session> next = new ArrayList<>(list);
            next.remove(session);
            return next.isEmpty() ? null : List.copyOf(next);
        });
        if (removed[0]) {
            changed(session.username());
        }
        return removed[0];
    }

    /** @return the newest session of the canonical {@code username} (its newest device), if any */
    @Nullable Session get(String username) {
        List<Session> list = sessions.get(username);
        return list == null ? null : list.get(list.size() - 1);
    }

    /** @return the sessions of every device of the canonical {@code username}, oldest first (empty if none) */
    List<Session> devices(String username) {
        return sessions.getOrDefault(username, List.of());
    }

    /**
     * @param device a device id (its credential key); empty for "the newest device"
     * @return the session of that device of {@code username}, if registered here
     */
    @Nullable Session device(String username, ByteString device) {
        if (device.isEmpty()) {
            return get(username);
        }
        for (Session s : devices(username)) {
            if (s.device().equals(device)) {
                return s;
            }
        }
        return null;
    }

    /** @return true while {@code session} is registered (not replaced, displaced or removed) */
    boolean contains(Session session) {
        return devices(session.username()).contains(session);
    }

    /** @return a counter that changes with every registration and removal (for digest rebuilds) */
    long version() {
        return version.get();
    }

    /** @return a snapshot of every device's session (weakly consistent) */
    List<Session> sessions() {
        List<Session> all = new ArrayList<>();
        sessions.values().forEach(all::addAll);
        return all;
    }

    /** @return a live view of the registered canonical usernames (weakly consistent) */
    Set<String> usernames() {
        return sessions.keySet();
    }

    /** @return the number of registered users */
    int size() {
        return sessions.size();
    }

    /** @return the number of registered devices (sessions), at least {@link #size()} */
    int deviceCount() {
        return count.get();
    }
}
