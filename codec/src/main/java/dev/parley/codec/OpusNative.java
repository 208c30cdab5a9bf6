package dev.parley.codec;

import club.minnced.opus.util.OpusLibrary;
import tomp2p.opuswrapper.Opus;

/** Loads the libopus shipped in opus-java-natives once and hands out the JNA binding. */
final class OpusNative {
    private static Opus instance;
    private static Throwable failure;

    private OpusNative() {
    }

    /**
     * @return the JNA binding of libopus
     * @throws OpusException if the native library cannot be loaded on this platform
     */
    static synchronized Opus lib() {
        if (instance != null) {
            return instance;
        }
        if (failure == null) {
            try {
                OpusLibrary.loadFromJar(); // false when already loaded by someone else: fine either way
                instance = Opus.INSTANCE;
                return instance;
            } catch (Throwable t) { // IOException, UnsupportedOperationException, UnsatisfiedLinkError, ...
                failure = t;
            }
        }
        throw new OpusException("libopus: cannot load native library (" + failure + ")", 0, failure);
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
