package dev.parley.nat.stun;

import dev.parley.protocol.PacketKind;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Optional;

/**
 * The logic of a STUN Binding server (RFC 8489 §6.3, §18.2), independent of sockets: given a
 * received datagram and its source, the response to send back, if any. Success responses carry
 * XOR-MAPPED-ADDRESS, SOFTWARE and FINGERPRINT; requests with unknown comprehension-required
 * attributes get a 420 error with UNKNOWN-ATTRIBUTES. Classic RFC 3489 requests (no magic cookie)
 * get a MAPPED-ADDRESS response (RFC 8489 §12). Anything else (RTP, garbage, responses,
 * indications) gets nothing, so the server can share a socket.
 */
public final class StunBindingResponder {
    private final String software;

    /** @param software value of the SOFTWARE attribute, e.g. "parley 0.1" */
    public StunBindingResponder(String software) {
        this.software = software;
    }

    /**
     * @param datagram the received payload
     * @param from its source transport address (what the NAT mapped the client to)
     * @return the response payload, or empty if the datagram is not a STUN Binding request
     */
    public Optional<byte[]> respond(byte[] datagram, InetSocketAddress from) {
        if (datagram.length < StunCodec.HEADER_BYTES || PacketKind.of(datagram) != PacketKind.STUN) {
            return Optional.empty();
        }
        if (!StunCodec.looksLikeStun(datagram)) {
            return classic(datagram, from);
        }
        StunMessage request;
        try {
            request = StunCodec.decode(datagram);
        } catch (StunDecodeException e) {
            return Optional.empty();
        }
        if (!request.type().equals(StunMessageType.BINDING_REQUEST)) {
            return Optional.empty();
        }
        List<Integer> unknown = request.unknownComprehensionRequired();
        StunMessage response;
        if (!unknown.isEmpty()) {
            response = new StunMessage(StunMessageType.BINDING_ERROR, request.transactionId(), List.of(
                    new StunAttribute.ErrorCode(420, "Unknown Attribute"), new StunAttribute.UnknownAttributes(unknown),
                    new StunAttribute.Software(software)));
        } else {
            response = new StunMessage(StunMessageType.BINDING_SUCCESS, request.transactionId(), List.of(
                    new StunAttribute.XorMappedAddress(from), new StunAttribute.Software(software)));
        }
        return Optional.of(StunCodec.encode(response, StunSeal.fingerprintOnly()));
    }

    /** RFC 3489 Binding request: type 0x0001, 128-bit transaction id; answer with MAPPED-ADDRESS. */
    private static Optional<byte[]> classic(byte[] d, InetSocketAddress from) {
        int length = ((d[2] & 0xff) << 8) | (d[3] & 0xff);
        if (d[0] != 0 || d[1] != 1 || length != d.length - StunCodec.HEADER_BYTES || (length & 3) != 0
                || from.getAddress() == null || from.getAddress().getAddress().length != 4) {
            return Optional.empty();
        }
        ByteBuffer b = ByteBuffer.allocate(StunCodec.HEADER_BYTES + 12);
        b.putShort((short) 0x0101).putShort((short) 12).put(d, 4, 16);
        b.putShort((short) StunAttribute.MAPPED_ADDRESS).putShort((short) 8).put((byte) 0).put((byte) 1)
                .putShort((short) from.getPort()).put(from.getAddress().getAddress());
        return Optional.of(b.array());
    }
}
