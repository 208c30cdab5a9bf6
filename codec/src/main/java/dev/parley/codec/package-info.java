/**
 * The one media format ({@link dev.parley.codec.AudioFormats}); the concerns live in the sub-packages.
 * Types are non-null unless marked {@code @Nullable}.
 */
@NullMarked
package dev.parley.codec;

import org.jspecify.annotations.NullMarked;
