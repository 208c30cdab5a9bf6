/**
 * The client side of TURN over UDP (RFC 8656) that {@code parley bench relay --against coturn}
 * needs to drive a standard TURN server: Allocate, CreatePermission and ChannelBind requests on the
 * STUN codec ({@link dev.parley.nat.stun.StunCodec}), and ChannelData framing. Parley's own relay
 * does not speak TURN (docs/nat.md "Relays").
 * Types are non-null unless marked {@code @Nullable}.
 */
@NullMarked
package dev.parley.nat.turn;

import org.jspecify.annotations.NullMarked;
