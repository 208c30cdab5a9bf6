/**
 * The {@code parley} launcher: command line, interactive shell, demo orchestrator and benchmarks.
 * Types are non-null unless marked {@code @Nullable}.
 */
@NullMarked
package dev.parley.app;

import org.jspecify.annotations.NullMarked;
