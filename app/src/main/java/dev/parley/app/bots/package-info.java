/**
 * {@code parley bots}: a fleet of bot clients on shared event loops that loads an overlay.
 * Types are non-null unless marked {@code @Nullable}.
 */
@NullMarked
package dev.parley.app.bots;

import org.jspecify.annotations.NullMarked;
