/**
 * A client's super-node role (docs/architecture.md "Self-organizing overlay"): it offers to serve,
 * proves itself reachable, and runs a {@code SuperNode} in its own process while the login server
 * keeps it promoted. Types are non-null unless marked {@code @Nullable}.
 */
@NullMarked
package dev.parley.client.serve;

import org.jspecify.annotations.NullMarked;
