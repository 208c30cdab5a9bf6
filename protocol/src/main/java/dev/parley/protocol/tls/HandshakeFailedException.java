package dev.parley.protocol.tls;

import java.io.IOException;

/**
 * The TLS handshake with a server failed: its key was refused (e.g. the pinned login server key
 * changed), or it does not speak TLS 1.3. Unlike an unreachable server, this is not a reason to fall
 * back to stored state: the server may be an impostor.
 */
public final class HandshakeFailedException extends IOException {
    /** @param message names the server and why, e.g. "login server key changed: …" */
    public HandshakeFailedException(String message, Throwable cause) {
        super(message, cause);
    }
}
