package dev.parley.nat.turn;

/** A TURN server refused a request, or answered with something a client cannot use (RFC 8656). */
public final class TurnException extends Exception {
    private static final long serialVersionUID = 1L;

    /** @param message what was wrong, e.g. "turn method 0x003: 486 Allocation Quota Reached (expected: success)" */
    public TurnException(String message) {
        super(message);
    }
}
