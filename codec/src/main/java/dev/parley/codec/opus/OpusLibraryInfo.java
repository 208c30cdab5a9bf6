package dev.parley.codec.opus;

import java.util.Locale;

/**
 * Facts about the loaded libopus, for {@code --version}, logs and call reports. Which library is
 * chosen is described in the (package-private) loader: a system libopus ≥ 1.3 when installed,
 * else the libopus 1.1.2 bundled with opus-java; the system property {@code parley.opus} (or the
 * environment variable {@code PARLEY_OPUS}) forces {@code system} or {@code bundled}.
 */
public final class OpusLibraryInfo {
    private OpusLibraryInfo() {
    }

    /**
     * @return libopus' {@code opus_get_version_string()}, e.g. {@code "libopus 1.3.1"}
     * @throws OpusException if the native library cannot be loaded
     */
    public static String version() {
        return OpusNative.loaded().version();
    }

    /**
     * @return {@code "system"} or {@code "bundled"}
     * @throws OpusException if the native library cannot be loaded
     */
    public static String source() {
        return OpusNative.loaded().source().name().toLowerCase(Locale.ROOT);
    }

    /**
     * @return e.g. {@code "libopus 1.3.1 (system, /usr/lib/x86_64-linux-gnu/libopus.so.0)"}
     * @throws OpusException if the native library cannot be loaded
     */
    public static String describe() {
        OpusNative.Loaded l = OpusNative.loaded();
        return l.version() + " (" + source() + ", " + l.path() + ")";
    }
}
