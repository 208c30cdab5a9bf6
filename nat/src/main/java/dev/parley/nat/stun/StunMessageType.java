package dev.parley.nat.stun;

import java.util.Locale;

/**
 * A STUN message type: a 12-bit method and a {@link StunClass}, interleaved on the wire as
 * (RFC 8489 §5):
 * <pre>
 *   0                 1
 *   2  3  4 5 6 7 8 9 0 1 2 3 4 5
 *  +--+--+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |M |M |M|M|M|C|M|M|M|C|M|M|M|M|
 *  |11|10|9|8|7|1|6|5|4|0|3|2|1|0|
 *  +--+--+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 *
 * @param method 0..0xfff (Binding = 0x001)
 * @param stunClass request, indication, success or error response
 */
public record StunMessageType(int method, StunClass stunClass) {
    /** The Binding method (RFC 8489 §18.2). */
    public static final int BINDING = 0x001;
    /** Binding request, 0x0001 on the wire. */
    public static final StunMessageType BINDING_REQUEST = new StunMessageType(BINDING, StunClass.REQUEST);
    /** Binding success response, 0x0101 on the wire. */
    public static final StunMessageType BINDING_SUCCESS = new StunMessageType(BINDING, StunClass.SUCCESS_RESPONSE);
    /** Binding error response, 0x0111 on the wire. */
    public static final StunMessageType BINDING_ERROR = new StunMessageType(BINDING, StunClass.ERROR_RESPONSE);
    /** Binding indication, 0x0011 on the wire (RFC 7675 keepalives may use it). */
    public static final StunMessageType BINDING_INDICATION = new StunMessageType(BINDING, StunClass.INDICATION);

    /** @throws IllegalArgumentException if the method does not fit 12 bits */
    public StunMessageType {
        if (method < 0 || method > 0xfff) {
            throw new IllegalArgumentException(String.format("method: 0x%x (expected: 0x000..0xfff)", method));
        }
        if (stunClass == null) {
            throw new IllegalArgumentException("stunClass: null");
        }
    }

    /** @return the 14-bit wire value (the two top bits of the 16-bit field are zero) */
    public int wireValue() {
        int c = stunClass.bits();
        return (method & 0x00f) | ((c & 1) << 4) | ((method & 0x070) << 1) | ((c & 2) << 7) | ((method & 0xf80) << 2);
    }

    /**
     * @param wire the 16-bit type field
     * @return the decoded type
     * @throws IllegalArgumentException if one of the two top bits is set
     */
    public static StunMessageType fromWire(int wire) {
        if ((wire & 0xc000) != 0) {
            throw new IllegalArgumentException(String.format("messageType: 0x%04x (expected: top two bits zero)", wire));
        }
        int method = (wire & 0x000f) | ((wire & 0x00e0) >> 1) | ((wire & 0x3e00) >> 2);
        int c = ((wire >> 4) & 1) | ((wire >> 7) & 2);
        return new StunMessageType(method, StunClass.values()[c]);
    }

    /** @return true for success and error responses */
    public boolean isResponse() {
        return stunClass == StunClass.SUCCESS_RESPONSE || stunClass == StunClass.ERROR_RESPONSE;
    }

    @Override
    public String toString() {
        String m = method == BINDING ? "Binding" : String.format("method 0x%03x", method);
        return m + " " + stunClass.name().toLowerCase(Locale.ROOT).replace('_', ' ');
    }
}
