package dev.parley.client;

import java.io.IOException;

/**
 * A super node was refused because it is not a certified super node at the address dialled: its
 * {@code ServerHello} had no certificate, or one that is forged, expired, from another login server,
 * or names another key than its TLS key or another address (docs/security.md "Certified super
 * nodes"). Like an unreachable super node, the join moves on to the next one in the host cache.
 */
public final class UntrustedSuperNodeException extends IOException {
    private static final long serialVersionUID = 1L;

    /** @param message names the super node and why, e.g. "refusing super node 10.0.0.5:7100: …" */
    public UntrustedSuperNodeException(String message, Throwable cause) {
        super(message, cause);
    }
}
