/**
 * RTP (RFC 3550) packets and RTCP compound packets: SR, RR, SDES, BYE.
 * Types are non-null unless marked {@code @Nullable}.
 */
@NullMarked
package dev.parley.codec.rtp;

import org.jspecify.annotations.NullMarked;
