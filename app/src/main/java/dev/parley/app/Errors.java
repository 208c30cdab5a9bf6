package dev.parley.app;

import dev.parley.protocol.Futures;
import dev.parley.protocol.ProtocolException;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;

/** Turns exceptions into one-line messages for users. */
final class Errors {
    private Errors() {}

    static String describe(Throwable e) {
        Throwable t = Futures.unwrap(e);
        if (t instanceof ProtocolException pe) {
            return pe.getMessage() + " (" + pe.code() + ")";
        }
        if (t instanceof NoSuchFileException nf) {
            return nf.getMessage() + ": no such file or directory";
        }
        if (t instanceof AccessDeniedException ad) {
            return ad.getMessage() + ": permission denied";
        }
        String msg = t.getMessage();
        return msg == null || msg.isBlank() ? t.getClass().getSimpleName() : msg;
    }
}
