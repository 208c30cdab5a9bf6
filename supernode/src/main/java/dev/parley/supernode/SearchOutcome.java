package dev.parley.supernode;

import java.util.Optional;

/**
 * Result of looking up a user on peer super nodes.
 *
 * @param location where the user is, if found
 * @param superNodesContacted peer super nodes asked (all peers of every wave run, including ones
 *     that did not answer); 0 for a cache hit
 */
record SearchOutcome(Optional<Location> location, int superNodesContacted) {
    static SearchOutcome notFound(int contacted) {
        return new SearchOutcome(Optional.empty(), contacted);
    }
}
