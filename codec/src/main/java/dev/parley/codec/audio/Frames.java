package dev.parley.codec.audio;

import dev.parley.codec.AudioFormats;

/** Argument checks shared by sources and sinks. */
final class Frames {
    private Frames() {
    }

    static void checkFrame(short[] frame) {
        if (frame.length != AudioFormats.FRAME_SAMPLES) {
            throw new IllegalArgumentException(
                    "frameSamples: " + frame.length + " (expected: " + AudioFormats.FRAME_SAMPLES + ")");
        }
    }

    static short toPcm16(float sample) {
        float scaled = sample * 32768f;
        if (scaled >= 32767f) {
            return Short.MAX_VALUE;
        }
        if (scaled <= -32768f) {
            return Short.MIN_VALUE;
        }
        return (short) Math.round(scaled);
    }
}
