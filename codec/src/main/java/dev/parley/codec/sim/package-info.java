/**
 * Network impairment (loss, delay, jitter, reordering, duplication) and the virtual-clock media path simulator.
 * Types are non-null unless marked {@code @Nullable}.
 */
@NullMarked
package dev.parley.codec.sim;

import org.jspecify.annotations.NullMarked;
