package dev.parley.codec.opus;

import club.minnced.opus.util.OpusLibrary;
import com.sun.jna.Native;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import tomp2p.opuswrapper.Opus;

/**
 * Loads libopus once and hands out the JNA binding (opus-java's {@link Opus} interface).
 *
 * <p>Which library: the preference comes from the system property {@value #PROPERTY} or else the
 * environment variable {@value #ENV}: {@code auto} (default) binds a system libopus of version
 * ≥ {@value #MIN_SYSTEM_MAJOR}.{@value #MIN_SYSTEM_MINOR} (e.g. Debian's {@code libopus0}) when
 * one is installed and falls back to the libopus 1.1.2 bundled in opus-java-natives;
 * {@code system} requires the system library; {@code bundled} never looks for it. Both are bound
 * by absolute path, so the dynamic linker never confuses the two (they share the soname
 * {@code libopus.so.0}).
 */
final class OpusNative {
    /** System property selecting the library: auto, system or bundled. */
    static final String PROPERTY = "parley.opus";
    /** Environment variable consulted when the property is unset. */
    static final String ENV = "PARLEY_OPUS";
    static final int MIN_SYSTEM_MAJOR = 1;
    static final int MIN_SYSTEM_MINOR = 3;
    private static final List<String> SYSTEM_DIRS = List.of("/usr/lib/x86_64-linux-gnu", "/lib/x86_64-linux-gnu",
            "/usr/lib/aarch64-linux-gnu", "/lib/aarch64-linux-gnu", "/usr/lib64", "/lib64", "/usr/local/lib",
            "/usr/lib", "/opt/homebrew/lib", "/usr/local/opt/opus/lib");
    private static final List<String> SYSTEM_NAMES = List.of("libopus.so.0", "libopus.so", "libopus.0.dylib",
            "libopus.dylib");

    /** Where the running libopus came from. */
    enum Source { SYSTEM, BUNDLED }

    /** A bound library. */
    record Loaded(Opus opus, String version, Source source, String path) {
    }

    private static Loaded instance;
    private static Throwable failure;

    private OpusNative() {
    }

    /**
     * @return the JNA binding of libopus
     * @throws OpusException if no usable native library can be loaded on this platform
     */
    static Opus lib() {
        return loaded().opus();
    }

    /**
     * @return the library chosen by the preference (loaded on first use)
     * @throws OpusException if no usable native library can be loaded
     */
    static synchronized Loaded loaded() {
        if (instance != null) {
            return instance;
        }
        if (failure == null) {
            try {
                instance = load(preference());
                return instance;
            } catch (RuntimeException | LinkageError e) {
                failure = e;
            }
        }
        throw new OpusException("libopus: cannot load native library (" + failure.getMessage() + ")", 0, failure);
    }

    /** @return the configured preference, lower case: auto, system or bundled */
    static String preference() {
        String p = System.getProperty(PROPERTY);
        if (p == null || p.isBlank()) {
            p = System.getenv(ENV);
        }
        return p == null || p.isBlank() ? "auto" : p.strip().toLowerCase(Locale.ROOT);
    }

    /**
     * Binds a library without caching it (tests compare both).
     *
     * @param preference auto, system or bundled
     * @throws IllegalArgumentException for another preference
     * @throws IllegalStateException    if {@code system} is required but none ≥ 1.3 is installed, or the
     *                                  bundled one cannot be extracted
     */
    static Loaded load(String preference) {
        return switch (preference) {
            case "bundled" -> loadBundled();
            case "system" -> {
                Loaded system = loadSystem();
                if (system == null) {
                    throw new IllegalStateException("no system libopus >= " + MIN_SYSTEM_MAJOR + "." + MIN_SYSTEM_MINOR
                            + " found (looked in " + SYSTEM_DIRS + "; on Debian: apt-get install libopus0)");
                }
                yield system;
            }
            case "auto" -> {
                Loaded system = loadSystem();
                yield system != null ? system : loadBundled();
            }
            default -> throw new IllegalArgumentException(PROPERTY + ": '" + preference
                    + "' (expected: auto, system or bundled)");
        };
    }

    /** @return a system libopus ≥ 1.3; none when none is installed (or it is older, or fails to bind) */
    static @Nullable Loaded loadSystem() {
        for (Path candidate : systemCandidates()) {
            try {
                Opus opus = Native.load(candidate.toString(), Opus.class);
                String version = opus.opus_get_version_string();
                if (isAtLeast(version, MIN_SYSTEM_MAJOR, MIN_SYSTEM_MINOR)) {
                    return new Loaded(opus, version, Source.SYSTEM, candidate.toString());
                }
            } catch (RuntimeException | LinkageError e) {
                // not loadable (wrong architecture, missing symbols): try the next candidate
            }
        }
        return null;
    }

    private static Loaded loadBundled() {
        try {
            OpusLibrary.loadFromJar(); // extracts the bundled library (once) and records its path in "opus.lib"
        } catch (IOException e) {
            throw new IllegalStateException("bundled libopus: cannot extract: " + e.getMessage(), e);
        }
        String path = System.getProperty("opus.lib");
        if (path == null) {
            throw new IllegalStateException("bundled libopus: unsupported platform " + OpusLibrary.getSupportedPlatforms());
        }
        Opus opus = Native.load(path, Opus.class);
        return new Loaded(opus, opus.opus_get_version_string(), Source.BUNDLED, path);
    }

    private static List<Path> systemCandidates() {
        List<Path> found = new ArrayList<>();
        String override = System.getProperty(PROPERTY + ".path");
        if (override != null && !override.isBlank()) {
            found.add(Path.of(override));
        }
        for (String dir : SYSTEM_DIRS) {
            for (String name : SYSTEM_NAMES) {
                Path p = Path.of(dir, name);
                if (Files.isRegularFile(p)) {
                    found.add(p.toAbsolutePath());
                }
            }
        }
        return found;
    }

    /**
     * @param versionString e.g. {@code "libopus 1.3.1"} or {@code "libopus 1.1.2-3-g..."}
     * @return true if the version is at least major.minor
     */
    static boolean isAtLeast(String versionString, int major, int minor) {
        var m = Pattern.compile("(\\d+)\\.(\\d+)").matcher(versionString == null ? "" : versionString);
        if (!m.find()) {
            return false;
        }
        int maj = Integer.parseInt(m.group(1));
        int min = Integer.parseInt(m.group(2));
        return maj > major || (maj == major && min >= minor);
    }

    /** Throws a descriptive {@link OpusException} when {@code result} is a negative libopus error code. */
    static int check(String call, int result) {
        if (result < 0) {
            throw new OpusException(call + ": " + result + " (" + errorString(result) + ")", result, null);
        }
        return result;
    }

    static String errorString(int code) {
        try {
            return lib().opus_strerror(code);
        } catch (RuntimeException | LinkageError e) {
            return "unknown error";
        }
    }
}
