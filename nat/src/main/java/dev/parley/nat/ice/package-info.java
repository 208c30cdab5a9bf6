/**
 * ICE-style candidates, connectivity checks and consent freshness.
 * Types are non-null unless marked {@code @Nullable}.
 */
@NullMarked
package dev.parley.nat.ice;

import org.jspecify.annotations.NullMarked;
