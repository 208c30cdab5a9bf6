package dev.parley.nat.ice;

/** No candidate pair worked before the deadline; the caller falls back to a TCP relay. */
public final class IceFailedException extends Exception {
    private static final long serialVersionUID = 1L;

    /** @param message what was tried */
    public IceFailedException(String message) {
        super(message);
    }
}
