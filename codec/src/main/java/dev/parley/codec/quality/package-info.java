/**
 * Call quality: the ITU-T G.107 E-model and the recording-against-reference fidelity score.
 * Types are non-null unless marked {@code @Nullable}.
 */
@NullMarked
package dev.parley.codec.quality;

import org.jspecify.annotations.NullMarked;
