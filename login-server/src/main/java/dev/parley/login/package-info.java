/**
 * The login server: accounts, credentials and the super node directory.
 * Types are non-null unless marked {@code @Nullable}.
 */
@NullMarked
package dev.parley.login;

import org.jspecify.annotations.NullMarked;
