/**
 * Authenticated super-node mesh datagrams (docs/protocol.md "Super-node mesh (UDP)", docs/security.md):
 * every mesh {@code Envelope} travels sealed with ChaCha20-Poly1305 under pairwise keys derived from the
 * peers' certified X25519 mesh keys, with a replay window and a freshness bound.
 * {@link dev.parley.supernode.meshauth.MeshSeal} has the datagram layout,
 * {@link dev.parley.supernode.meshauth.MeshKeys} the identity, peer certificates and their bounds.
 * Types are non-null unless marked {@code @Nullable}.
 */
@NullMarked
package dev.parley.supernode.meshauth;

import org.jspecify.annotations.NullMarked;
