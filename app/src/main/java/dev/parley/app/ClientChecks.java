package dev.parley.app;

import dev.parley.codec.audio.Wav;
import dev.parley.codec.audio.WavFileSource;
import dev.parley.protocol.ProtocolException;
import dev.parley.protocol.Usernames;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.jspecify.annotations.Nullable;

/**
 * The client's options and files, checked before anything starts (issue 13 item 6): a bitrate out
 * of range, a WAV that cannot be played, a place a recording or report cannot be written, or a
 * call to oneself fail at once with one line, not after the login and the overlay.
 */
final class ClientChecks {
    private ClientChecks() {}

    /** A usage error: the one-line message for the user. */
    static final class UsageException extends Exception {
        UsageException(String message) {
            super(message);
        }
    }

    /** @throws UsageException if {@code bitrateKbps} is outside 32..64 */
    static void bitrate(int bitrateKbps) throws UsageException {
        if (bitrateKbps < 32 || bitrateKbps > 64) {
            throw new UsageException(String.format("--bitrate %d kbps (expected: 32..64)", bitrateKbps));
        }
    }

    /** @throws UsageException if {@code seconds} is not positive */
    static void positiveSeconds(String option, int seconds) throws UsageException {
        if (seconds <= 0) {
            throw new UsageException(String.format("%s %d s (expected: > 0)", option, seconds));
        }
    }

    /** @throws UsageException if {@code wav} is given and cannot be read as a supported WAV file */
    static void playable(String option, @Nullable Path wav) throws UsageException {
        if (wav == null) {
            return;
        }
        try (WavFileSource source = WavFileSource.open(wav)) {
            source.sourceRateHz(); // the header parsed: format, rate and channels are supported
        } catch (IOException e) {
            throw new UsageException(option + " " + wav + ": " + Errors.describe(e));
        }
    }

    /** @throws UsageException if {@code wav} is given and not a readable WAV file (a --reference) */
    static void readable(String option, @Nullable Path wav) throws UsageException {
        if (wav == null) {
            return;
        }
        try {
            Wav.readMono48k(wav);
        } catch (IOException e) {
            throw new UsageException(option + " " + wav + ": " + Errors.describe(e));
        }
    }

    /** @throws UsageException if {@code file} is given and cannot be written: a directory, or a parent that cannot be made */
    static void writable(String option, @Nullable Path file) throws UsageException {
        if (file == null) {
            return;
        }
        if (Files.isDirectory(file)) {
            throw new UsageException(option + " " + file + ": is a directory (expected: a file name)");
        }
        Path parent = file.toAbsolutePath().getParent();
        try {
            if (parent != null) {
                Files.createDirectories(parent);
            }
        } catch (IOException e) {
            throw new UsageException(option + " " + file + ": cannot create its directory: " + Errors.describe(e));
        }
        if (parent != null && !Files.isWritable(parent)) {
            throw new UsageException(option + " " + file + ": " + parent + " is not writable");
        }
        if (Files.exists(file) && !Files.isWritable(file)) {
            throw new UsageException(option + " " + file + ": not writable");
        }
    }

    /**
     * @return the canonical form of the user to call
     * @throws UsageException if it is not a valid username, or is {@code self}
     */
    static String callee(String callee, String self) throws UsageException {
        String name;
        try {
            name = Usernames.canonical(callee);
        } catch (ProtocolException e) {
            throw new UsageException("--call " + callee + ": " + e.getMessage());
        }
        try {
            if (name.equals(Usernames.canonical(self))) {
                throw new UsageException("--call " + callee + ": you cannot call yourself");
            }
        } catch (ProtocolException e) {
            throw new UsageException("--user " + self + ": " + e.getMessage());
        }
        return name;
    }
}
