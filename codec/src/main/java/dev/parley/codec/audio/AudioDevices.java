package dev.parley.codec.audio;

import dev.parley.codec.AudioFormats;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.sound.sampled.AudioFormat;
import javax.sound.sampled.AudioSystem;
import javax.sound.sampled.DataLine;
import javax.sound.sampled.Line;
import javax.sound.sampled.Mixer;
import javax.sound.sampled.SourceDataLine;
import javax.sound.sampled.TargetDataLine;
import org.jspecify.annotations.Nullable;

/**
 * Discovers Java Sound devices (mixers) and picks one by name. Device names are
 * {@link Mixer.Info#getName()}; a selector matches a name case-insensitively as a substring.
 * On a machine without sound hardware the lists are empty and opening fails with a clear
 * {@link IOException}.
 */
public final class AudioDevices {
    /** Formats tried in order: 48 kHz signed 16-bit little-endian, mono then stereo. */
    static final List<AudioFormat> FORMATS = List.of(
            new AudioFormat(AudioFormats.SAMPLE_RATE_HZ, 16, 1, true, false),
            new AudioFormat(AudioFormats.SAMPLE_RATE_HZ, 16, 2, true, false));

    private AudioDevices() {
    }

    /** A chosen device with the format it supports. */
    record Choice(Mixer mixer, AudioFormat format) {
    }

    /** @return capture and playback device names, possibly empty (never throws for a missing sound system) */
    public static AudioDeviceList list() {
        List<String> capture = new ArrayList<>();
        List<String> playback = new ArrayList<>();
        for (Mixer.Info info : mixers()) {
            Mixer mixer = AudioSystem.getMixer(info);
            if (supportedFormat(mixer, TargetDataLine.class) != null) {
                capture.add(info.getName());
            }
            if (supportedFormat(mixer, SourceDataLine.class) != null) {
                playback.add(info.getName());
            }
        }
        return new AudioDeviceList(capture, playback);
    }

    /**
     * Finds a device with a line of the given kind.
     *
     * @param kind     {@link TargetDataLine} (capture) or {@link SourceDataLine} (playback)
     * @param selector name substring; without one (or blank), the first suitable device
     * @throws IOException naming the selector and the available devices when nothing matches
     */
    static Choice find(Class<? extends Line> kind, @Nullable String selector) throws IOException {
        String role = kind == TargetDataLine.class ? "capture" : "playback";
        List<String> available = new ArrayList<>();
        String needle = selector == null ? "" : selector.strip().toLowerCase(Locale.ROOT);
        for (Mixer.Info info : mixers()) {
            Mixer mixer = AudioSystem.getMixer(info);
            AudioFormat format = supportedFormat(mixer, kind);
            if (format == null) {
                continue;
            }
            available.add(info.getName());
            if (info.getName().toLowerCase(Locale.ROOT).contains(needle)) {
                return new Choice(mixer, format);
            }
        }
        if (available.isEmpty()) {
            throw new IOException(role + "Device: none available (no Java Sound " + role
                    + " device supports 48 kHz 16-bit PCM on this machine)");
        }
        throw new IOException(role + "Device: '" + selector + "' not found (available: " + available + ")");
    }

    private static AudioFormat supportedFormat(Mixer mixer, Class<? extends Line> kind) {
        for (AudioFormat format : FORMATS) {
            if (mixer.isLineSupported(new DataLine.Info(kind, format))) {
                return format;
            }
        }
        return null;
    }

    private static Mixer.Info[] mixers() {
        try {
            return AudioSystem.getMixerInfo();
        } catch (RuntimeException | LinkageError e) { // a broken sound system must not break callers
            return new Mixer.Info[0];
        }
    }
}
