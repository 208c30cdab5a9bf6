/**
 * Wire protocol shared by every role: frames, envelopes, control connections, credentials and RFC 7983 demultiplexing.
 * Types are non-null unless marked {@code @Nullable}.
 */
@NullMarked
package dev.parley.protocol;

import org.jspecify.annotations.NullMarked;
