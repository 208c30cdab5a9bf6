/**
 * STUN (RFC 8489): messages, codec, client transactions and Binding server.
 * Types are non-null unless marked {@code @Nullable}.
 */
@NullMarked
package dev.parley.nat.stun;

import org.jspecify.annotations.NullMarked;
