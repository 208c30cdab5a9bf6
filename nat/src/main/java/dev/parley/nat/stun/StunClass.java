package dev.parley.nat.stun;

/** The class of a STUN message: the two C bits of the message type (RFC 8489 §5). */
public enum StunClass {
    /** C1 C0 = 0b00. */
    REQUEST,
    /** C1 C0 = 0b01. */
    INDICATION,
    /** C1 C0 = 0b10. */
    SUCCESS_RESPONSE,
    /** C1 C0 = 0b11. */
    ERROR_RESPONSE;

    /** @return the 2-bit value C1C0 */
    int bits() {
        return ordinal();
    }
}
