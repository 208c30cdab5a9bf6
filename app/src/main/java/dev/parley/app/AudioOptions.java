package dev.parley.app;

import dev.parley.codec.audio.AudioSink;
import dev.parley.codec.audio.AudioSource;
import dev.parley.codec.audio.JavaSoundSink;
import dev.parley.codec.audio.JavaSoundSource;
import dev.parley.codec.audio.SilenceSource;
import dev.parley.codec.audio.WavFileSink;
import dev.parley.codec.audio.WavFileSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;
import picocli.CommandLine.Option;

/** Where a client's audio comes from and goes to: WAV files or sound devices. */
final class AudioOptions {
    /** Where the fallback messages go: stderr, or above the shell's prompt. */
    private volatile Consumer<String> notices = System.err::println;

    /** Sends the fallback messages (no capture or playback device) to {@code sink}. */
    void notices(Consumer<String> sink) {
        this.notices = sink;
    }
    @Option(names = "--play", paramLabel = "WAV",
            description = "Send this WAV file (PCM 8-32-bit, IEEE float, mu-law or A-law; any rate, up to 8 channels; resampled to 48 kHz mono) instead of the microphone; "
                    + "the call ends when it ends.")
    Path play;

    @Option(names = "--record", paramLabel = "WAV", description = "Write what you hear to this WAV file (48 kHz mono 16-bit).")
    Path record;

    @Option(names = "--input-device", paramLabel = "NAME", description = "Capture device (name or part of it; see --list-devices).")
    String inputDevice;

    @Option(names = "--output-device", paramLabel = "NAME", description = "Playback device (name or part of it).")
    String outputDevice;

    /**
     * @return the WAV file given with {@code --play}, else the capture device; when no capture device
     *     exists (and none was named with {@code --input-device}) the call sends silence, with a message
     * @throws IOException if the file cannot be read, or the named device is missing
     */
    AudioSource source() throws IOException {
        if (play != null) {
            return WavFileSource.open(play);
        }
        try {
            return JavaSoundSource.open(inputDevice);
        } catch (IOException e) {
            if (inputDevice != null) {
                throw new IOException(e.getMessage() + " (see --list-devices, or use --play FILE.wav)", e);
            }
            notices.accept("parley: " + e.getMessage() + "; sending silence (use --play FILE.wav to send a file)");
            return SilenceSource.endless();
        }
    }

    /** Falls back to discarding audio (with a message) when no file is given and no playback device exists. */
    AudioSink sink() throws IOException {
        if (record != null) {
            Path parent = record.toAbsolutePath().getParent();
            try {
                if (parent != null) {
                    Files.createDirectories(parent);
                }
                return WavFileSink.create(record);
            } catch (IOException e) {
                throw new IOException("cannot write recording " + record + ": " + Errors.describe(e), e);
            }
        }
        try {
            return JavaSoundSink.open(outputDevice);
        } catch (IOException e) {
            notices.accept("parley: " + e.getMessage() + "; received audio is discarded (use --record FILE.wav)");
            return new AudioSink() {
                @Override
                public void write(short[] frame) {}

                @Override
                public void close() {}
            };
        }
    }
}
