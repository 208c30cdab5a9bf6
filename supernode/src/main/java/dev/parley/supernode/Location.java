package dev.parley.supernode;

import java.util.List;
import dev.parley.protocol.HostPort;
import dev.parley.protocol.wire.PresenceRecord;

/**
 * Where a remote user is registered, as learned from a peer super node.
 *
 * @param record the presence record the peer answered (credential verified by this super node)
 * @param superNode the peer that answered, i.e. where call signals for the user are routed
 * @param cached true if this came from the search cache rather than a fresh lookup
 * @param devices the user's other devices on that super node (each record verified like {@code record});
 *     at most {@link PresenceIndex#MAX_DEVICES} - 1
 */
record Location(PresenceRecord record, HostPort superNode, boolean cached, List<PresenceRecord> devices) {
    Location {
        devices = List.copyOf(devices);
    }

    /** A location of a user with one device there. */
    Location(PresenceRecord record, HostPort superNode, boolean cached) {
        this(record, superNode, cached, List.of());
    }

    /** @return the newest device's record first, then the other devices' (for a {@code SearchResult}) */
    static Location ofLocal(List<Session> devices, HostPort superNode) {
        Session newest = devices.get(devices.size() - 1);
        return new Location(newest.record(), superNode, false, otherRecords(devices));
    }

    /** @return the records of every device but the newest (the last one) */
    static List<PresenceRecord> otherRecords(List<Session> devices) {
        return devices.subList(0, devices.size() - 1).stream().map(Session::record).toList();
    }

    /**
     * Of two verified locations of one user, the one whose record its client signed last: a client
     * that re-registered elsewhere supersedes its older record (a late answer from its old super
     * node cannot bring it back). Only the user's own key signs {@code signed_at_ms}, so no one else can.
     */
    static Location newer(Location held, Location offered) {
        return offered.record().getSignedAtMs() >= held.record().getSignedAtMs() ? offered : held;
    }

    Location asCached() {
        return new Location(record, superNode, true, devices);
    }
}
