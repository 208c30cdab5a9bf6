/**
 * Media relay: allocations with tokens and forwarding of opaque datagrams between the two parties.
 * Types are non-null unless marked {@code @Nullable}.
 */
@NullMarked
package dev.parley.nat.relay;

import org.jspecify.annotations.NullMarked;
