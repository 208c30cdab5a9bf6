/**
 * SRTP and SRTCP with AEAD_AES_128_GCM (RFC 3711, RFC 7714): protecting a call's media so that
 * relays and the network forward what they cannot read or forge.
 */
@NullMarked
package dev.parley.codec.srtp;

import org.jspecify.annotations.NullMarked;
