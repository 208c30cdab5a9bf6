package dev.parley.supernode;

import dev.parley.protocol.HostPort;
import dev.parley.protocol.wire.PresenceRecord;

/**
 * Where a remote user is registered, as learned from a peer super node.
 *
 * @param record the presence record the peer answered (credential verified by this super node)
 * @param superNode the peer that answered, i.e. where call signals for the user are routed
 * @param cached true if this came from the search cache rather than a fresh lookup
 */
record Location(PresenceRecord record, HostPort superNode, boolean cached) {
    Location asCached() {
        return new Location(record, superNode, true);
    }
}
