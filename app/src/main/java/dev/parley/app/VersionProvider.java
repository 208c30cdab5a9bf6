package dev.parley.app;

import dev.parley.codec.opus.OpusLibraryInfo;
import picocli.CommandLine;

/** Prints the Parley version, Java runtime and libopus version. */
final class VersionProvider implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
        String version = Main.class.getPackage().getImplementationVersion();
        String opus;
        try {
            opus = OpusLibraryInfo.describe();
        } catch (RuntimeException | LinkageError e) {
            opus = "unavailable (" + e.getMessage() + ")";
        }
        return new String[] {
            "parley " + (version == null ? "dev" : version),
            "java " + Runtime.version() + " (" + System.getProperty("java.vendor") + ")",
            "opus " + opus,
        };
    }
}
