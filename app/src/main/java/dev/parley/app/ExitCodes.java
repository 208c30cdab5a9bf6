package dev.parley.app;

import dev.parley.client.UntrustedSuperNodeException;
import dev.parley.protocol.Futures;
import dev.parley.protocol.ProtocolException;
import dev.parley.protocol.tls.HandshakeFailedException;

/**
 * The exit statuses of {@code parley client} (README "Exit status"): scripts can tell a typo from a
 * wrong password, a server that is down and a call that did not go through.
 */
final class ExitCodes {
    /** The call connected (or the shell was left normally). */
    static final int OK = 0;
    /** The call failed: not connected (offline, busy, declined, no answer, no media path, ...). */
    static final int CALL_FAILED = 1;
    /** A usage error: a bad option, an unreadable or unsupported file, a bad username; nothing was started. */
    static final int USAGE = 2;
    /** The login server or every super node could not be reached (or the overlay was lost). */
    static final int UNREACHABLE = 4;
    /**
     * Authentication failed: wrong password, disabled account, a name taken by another account, or a
     * server whose key did not verify (the login server's pinned key, a super node's certificate).
     */
    static final int AUTHENTICATION = 5;

    private ExitCodes() {}

    /** @return the exit status for a failure to log in and join the overlay */
    static int ofStartFailure(Throwable failure) {
        Throwable t = Futures.unwrap(failure);
        if (t instanceof ProtocolException pe) {
            return switch (pe.code()) {
                case WRONG_CREDENTIALS, INVALID_CREDENTIAL, EXPIRED_CREDENTIAL, ACCOUNT_DISABLED, USERNAME_TAKEN -> AUTHENTICATION;
                case INVALID_USERNAME, BAD_REQUEST -> USAGE;
                default -> UNREACHABLE;
            };
        }
        if (t instanceof HandshakeFailedException || t instanceof UntrustedSuperNodeException) {
            return AUTHENTICATION;
        }
        String message = String.valueOf(t.getMessage());
        if (message.contains("is in use by another parley client")) {
            return USAGE; // another --data directory is needed
        }
        return UNREACHABLE;
    }
}
