/**
 * Datagram transport abstractions and the Netty UDP endpoint; schedulers injected for virtual time in tests.
 * Types are non-null unless marked {@code @Nullable}.
 */
@NullMarked
package dev.parley.nat.transport;

import org.jspecify.annotations.NullMarked;
