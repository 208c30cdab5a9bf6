/**
 * A call's media: the RTP/RTCP socket, RFC 7983 demultiplexing, jitter buffer and playout loop.
 * Types are non-null unless marked {@code @Nullable}.
 */
@NullMarked
package dev.parley.client.media;

import org.jspecify.annotations.NullMarked;
