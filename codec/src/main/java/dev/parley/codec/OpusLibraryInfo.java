package dev.parley.codec;

/** Facts about the loaded libopus, for logs and reports. */
public final class OpusLibraryInfo {
    private OpusLibraryInfo() {
    }

    /**
     * @return libopus' {@code opus_get_version_string()}, e.g. {@code "libopus 1.3.1"}
     * @throws OpusException if the native library cannot be loaded
     */
    public static String version() {
        return OpusNative.lib().opus_get_version_string();
    }
}
