package dev.parley.nat.stun;

import java.net.InetSocketAddress;

/**
 * The XOR-MAPPED-ADDRESS value layout (RFC 8489 §14.2) for the other attributes that share it:
 * TURN's XOR-PEER-ADDRESS and XOR-RELAYED-ADDRESS (RFC 8656 §18.3, §18.5). One byte zero, one byte
 * family (0x01 IPv4, 0x02 IPv6), the port XOR the cookie's top 16 bits, the address XOR the cookie
 * (and, for IPv6, the transaction id): 8 or 20 bytes.
 */
public final class XorAddress {
    private XorAddress() {}

    /**
     * @param address a resolved IPv4 or IPv6 transport address
     * @param id the message's transaction id
     * @return the 8- or 20-byte attribute value
     * @throws IllegalArgumentException if the address is unresolved
     */
    public static byte[] encode(InetSocketAddress address, TransactionId id) {
        return StunAttributeCodec.address(address, true, id);
    }

    /**
     * @param value the attribute value as received
     * @param id the message's transaction id
     * @param name the attribute's name, for the error message
     * @return the transport address
     * @throws StunDecodeException if the value is not 8 (IPv4) or 20 (IPv6) bytes of a known family
     */
    public static InetSocketAddress decode(byte[] value, TransactionId id, String name) throws StunDecodeException {
        return StunAttributeCodec.address(value, true, id, name);
    }
}
