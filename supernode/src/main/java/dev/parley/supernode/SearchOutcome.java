package dev.parley.supernode;

import java.util.Optional;

/**
 * Result of locating a user.
 *
 * @param location where the user is, if found
 * @param superNodesContacted peer super nodes asked (all peers of every wave run, including ones
 *     that did not answer); 0 for a local or cached answer
 * @param fromCache true if a cached positive or negative answer was used
 */
record SearchOutcome(Optional<Location> location, int superNodesContacted, boolean fromCache) {
    static SearchOutcome notFound(int contacted) {
        return new SearchOutcome(Optional.empty(), contacted, false);
    }
}
