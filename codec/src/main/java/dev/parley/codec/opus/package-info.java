/**
 * Opus (RFC 6716) through libopus: encoder, decoder, library loading, packet facts and sender-side rate adaptation.
 * Types are non-null unless marked {@code @Nullable}.
 */
@NullMarked
package dev.parley.codec.opus;

import org.jspecify.annotations.NullMarked;
