/**
 * The client: login, super node session, host cache and the {@code ParleyClient} facade.
 * Types are non-null unless marked {@code @Nullable}.
 */
@NullMarked
package dev.parley.client;

import org.jspecify.annotations.NullMarked;
