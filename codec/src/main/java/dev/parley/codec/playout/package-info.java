/**
 * Receiver side: adaptive jitter buffer (RFC 3550 jitter), delay estimation and the playout engine with loss concealment.
 * Types are non-null unless marked {@code @Nullable}.
 */
@NullMarked
package dev.parley.codec.playout;

import org.jspecify.annotations.NullMarked;
