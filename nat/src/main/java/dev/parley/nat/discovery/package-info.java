/**
 * NAT discovery: classifies the mapping behaviour with STUN probes.
 * Types are non-null unless marked {@code @Nullable}.
 */
@NullMarked
package dev.parley.nat.discovery;

import org.jspecify.annotations.NullMarked;
