package dev.parley.codec.audio;

import java.util.List;

/**
 * Names of the Java Sound mixers usable by Parley (48 kHz 16-bit, mono or stereo).
 *
 * @param capture  devices offering a capture line ({@link JavaSoundSource})
 * @param playback devices offering a playback line ({@link JavaSoundSink})
 */
public record AudioDeviceList(List<String> capture, List<String> playback) {
    /** Copies the lists. */
    public AudioDeviceList {
        capture = List.copyOf(capture);
        playback = List.copyOf(playback);
    }
}
