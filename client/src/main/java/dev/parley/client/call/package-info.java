/**
 * Call signalling: the call state machine, settings and media path set-up.
 * Types are non-null unless marked {@code @Nullable}.
 */
@NullMarked
package dev.parley.client.call;

import org.jspecify.annotations.NullMarked;
