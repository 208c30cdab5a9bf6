package dev.parley.nat.stun;

import java.net.InetSocketAddress;
import java.util.Optional;

/**
 * A response that completed a STUN transaction.
 *
 * @param message the decoded response (success or error class)
 * @param from the transport address it came from
 * @param rttMs milliseconds from the last transmission before it to its arrival
 */
public record StunResponse(StunMessage message, InetSocketAddress from, long rttMs) {
    /** @return XOR-MAPPED-ADDRESS, or MAPPED-ADDRESS from a pre-RFC 5389 server (RFC 8489 §14.1) */
    public Optional<InetSocketAddress> mappedAddress() {
        return message.attribute(StunAttribute.XorMappedAddress.class).map(StunAttribute.XorMappedAddress::address)
                .or(() -> message.attribute(StunAttribute.MappedAddress.class).map(StunAttribute.MappedAddress::address));
    }

    /** @return true for a success response */
    public boolean isSuccess() {
        return message.type().stunClass() == StunClass.SUCCESS_RESPONSE;
    }

    /** @return the ERROR-CODE number of an error response (e.g. 487), or 0 */
    public int errorCode() {
        return message.attribute(StunAttribute.ErrorCode.class).map(StunAttribute.ErrorCode::code).orElse(0);
    }
}
