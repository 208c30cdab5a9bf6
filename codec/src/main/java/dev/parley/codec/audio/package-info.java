/**
 * PCM audio sources and sinks: WAV files with resampling, buffers, silence, bundled clips, Java Sound devices.
 * Types are non-null unless marked {@code @Nullable}.
 */
@NullMarked
package dev.parley.codec.audio;

import org.jspecify.annotations.NullMarked;
