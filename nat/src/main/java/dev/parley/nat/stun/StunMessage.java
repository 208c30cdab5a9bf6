package dev.parley.nat.stun;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A STUN message (RFC 8489 §5): type, 96-bit transaction id, attributes in wire order. Encoded and
 * decoded by {@link StunCodec}; the 20-byte header is
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |0 0|     STUN Message Type     |         Message Length        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                  Magic Cookie = 0x2112A442                    |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                     Transaction ID (96 bits)                  |
 * |                                                               |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 * Message Length counts the attribute bytes after the header (a multiple of 4).
 *
 * @param type method and class
 * @param transactionId 96-bit id
 * @param attributes in order (copied)
 */
public record StunMessage(StunMessageType type, TransactionId transactionId, List<StunAttribute> attributes) {
    /** Copies the attribute list; rejects nulls. */
    public StunMessage {
        if (type == null || transactionId == null) {
            throw new IllegalArgumentException("type and transactionId must not be null");
        }
        attributes = List.copyOf(attributes);
    }

    /** @return a Binding request with the given attributes */
    public static StunMessage bindingRequest(TransactionId id, StunAttribute... attributes) {
        return new StunMessage(StunMessageType.BINDING_REQUEST, id, List.of(attributes));
    }

    /** @return the first attribute of that record type, if any */
    public <T extends StunAttribute> Optional<T> attribute(Class<T> kind) {
        for (StunAttribute a : attributes) {
            if (kind.isInstance(a)) {
                return Optional.of(kind.cast(a));
            }
        }
        return Optional.empty();
    }

    /** @return true if an attribute of that record type is present */
    public boolean has(Class<? extends StunAttribute> kind) {
        return attribute(kind).isPresent();
    }

    /** @return the comprehension-required attributes this codec did not understand (RFC 8489 §6.3.1) */
    public List<Integer> unknownComprehensionRequired() {
        List<Integer> out = new ArrayList<>();
        for (StunAttribute a : attributes) {
            if (a instanceof StunAttribute.Unknown u && u.comprehensionRequired()) {
                out.add(u.type());
            }
        }
        return out;
    }

    /** @return a copy with one more attribute appended */
    public StunMessage with(StunAttribute attribute) {
        List<StunAttribute> list = new ArrayList<>(attributes);
        list.add(attribute);
        return new StunMessage(type, transactionId, list);
    }
}
