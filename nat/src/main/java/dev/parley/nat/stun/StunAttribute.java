package dev.parley.nat.stun;

import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

/**
 * A STUN attribute (RFC 8489 §14, RFC 8445 §16.1). Each attribute is a TLV padded to 4 bytes:
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |         Type                  |            Length             |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                         Value (variable)                ....
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 * Types 0x0000–0x7FFF are comprehension-required, 0x8000–0xFFFF comprehension-optional.
 * MESSAGE-INTEGRITY, MESSAGE-INTEGRITY-SHA256 and FINGERPRINT are computed by {@link StunCodec}
 * when encoding (see {@link StunSeal}); decoded messages carry them as received.
 */
public sealed interface StunAttribute {
    /** MAPPED-ADDRESS (RFC 8489 §14.1). */
    int MAPPED_ADDRESS = 0x0001;
    /** USERNAME (§14.3). */
    int USERNAME = 0x0006;
    /** MESSAGE-INTEGRITY (§14.5). */
    int MESSAGE_INTEGRITY = 0x0008;
    /** ERROR-CODE (§14.8). */
    int ERROR_CODE = 0x0009;
    /** UNKNOWN-ATTRIBUTES (§14.13). */
    int UNKNOWN_ATTRIBUTES = 0x000A;
    /** MESSAGE-INTEGRITY-SHA256 (§14.6). */
    int MESSAGE_INTEGRITY_SHA256 = 0x001C;
    /** XOR-MAPPED-ADDRESS (§14.2). */
    int XOR_MAPPED_ADDRESS = 0x0020;
    /** PRIORITY (RFC 8445 §16.1). */
    int PRIORITY = 0x0024;
    /** USE-CANDIDATE (RFC 8445 §16.1). */
    int USE_CANDIDATE = 0x0025;
    /** SOFTWARE (§14.14). */
    int SOFTWARE = 0x8022;
    /** FINGERPRINT (§14.7). */
    int FINGERPRINT = 0x8028;
    /** ICE-CONTROLLED (RFC 8445 §16.1). */
    int ICE_CONTROLLED = 0x8029;
    /** ICE-CONTROLLING (RFC 8445 §16.1). */
    int ICE_CONTROLLING = 0x802A;
    /** PARLEY-RELAY-TOKEN: Parley's relay bind token (comprehension-optional, private use; docs/nat.md). */
    int PARLEY_RELAY_TOKEN = 0xC0DE;

    /** @return the 16-bit attribute type */
    int type();

    /** @param address the mapped transport address (IPv4 or IPv6) */
    record MappedAddress(InetSocketAddress address) implements StunAttribute {
        @Override public int type() { return MAPPED_ADDRESS; }
    }

    /** @param address the mapped transport address, XOR-ed on the wire with the cookie (and transaction id for IPv6) */
    record XorMappedAddress(InetSocketAddress address) implements StunAttribute {
        @Override public int type() { return XOR_MAPPED_ADDRESS; }
    }

    /** @param name UTF-8 user name, < 513 bytes (for ICE: "remoteUfrag:localUfrag") */
    record Username(String name) implements StunAttribute {
        @Override public int type() { return USERNAME; }
    }

    /** @param hmac the 20-byte HMAC-SHA1 as received */
    record MessageIntegrity(byte[] hmac) implements StunAttribute {
        @Override public int type() { return MESSAGE_INTEGRITY; }
        @Override public boolean equals(Object o) { return o instanceof MessageIntegrity m && Arrays.equals(hmac, m.hmac); }
        @Override public int hashCode() { return Arrays.hashCode(hmac); }
        @Override public String toString() { return "MessageIntegrity[" + HexFormat.of().formatHex(hmac) + "]"; }
    }

    /** @param hmac the HMAC-SHA256 as received (16..32 bytes, RFC 8489 §14.6) */
    record MessageIntegritySha256(byte[] hmac) implements StunAttribute {
        @Override public int type() { return MESSAGE_INTEGRITY_SHA256; }
        @Override public boolean equals(Object o) { return o instanceof MessageIntegritySha256 m && Arrays.equals(hmac, m.hmac); }
        @Override public int hashCode() { return Arrays.hashCode(hmac); }
        @Override public String toString() { return "MessageIntegritySha256[" + HexFormat.of().formatHex(hmac) + "]"; }
    }

    /** @param crc32XorStun CRC-32 of the preceding message XOR 0x5354554E, as received */
    record Fingerprint(int crc32XorStun) implements StunAttribute {
        @Override public int type() { return FINGERPRINT; }
    }

    /**
     * @param code 300..699 (e.g. 400 Bad Request, 401 Unauthorized, 420 Unknown Attribute, 487 Role Conflict)
     * @param reason UTF-8 reason phrase, < 128 characters
     */
    record ErrorCode(int code, String reason) implements StunAttribute {
        /** @throws IllegalArgumentException if the code is outside 300..699 */
        public ErrorCode {
            if (code < 300 || code > 699) {
                throw new IllegalArgumentException(String.format("errorCode: %d (expected: 300..699)", code));
            }
        }
        @Override public int type() { return ERROR_CODE; }
    }

    /** @param types the comprehension-required attribute types the server did not understand */
    record UnknownAttributes(List<Integer> types) implements StunAttribute {
        /** Copies the list. */
        public UnknownAttributes { types = List.copyOf(types); }
        @Override public int type() { return UNKNOWN_ATTRIBUTES; }
    }

    /** @param description UTF-8 name and version of the agent, < 128 characters */
    record Software(String description) implements StunAttribute {
        @Override public int type() { return SOFTWARE; }
    }

    /** @param priority the 32-bit candidate priority (RFC 8445 §5.1.2), unsigned in a long */
    record Priority(long priority) implements StunAttribute {
        @Override public int type() { return PRIORITY; }
    }

    /** USE-CANDIDATE: the controlling agent nominates this pair (RFC 8445 §7.1.1); no value. */
    record UseCandidate() implements StunAttribute {
        @Override public int type() { return USE_CANDIDATE; }
    }

    /** @param tieBreaker 64-bit tie breaker of the controlling agent */
    record IceControlling(long tieBreaker) implements StunAttribute {
        @Override public int type() { return ICE_CONTROLLING; }
    }

    /** @param tieBreaker 64-bit tie breaker of the controlled agent */
    record IceControlled(long tieBreaker) implements StunAttribute {
        @Override public int type() { return ICE_CONTROLLED; }
    }

    /** @param token opaque relay bind token issued by the super node (docs/nat.md) */
    record RelayToken(byte[] token) implements StunAttribute {
        @Override public int type() { return PARLEY_RELAY_TOKEN; }
        @Override public boolean equals(Object o) { return o instanceof RelayToken t && Arrays.equals(token, t.token); }
        @Override public int hashCode() { return Arrays.hashCode(token); }
        @Override public String toString() { return "RelayToken[" + HexFormat.of().formatHex(token) + "]"; }
    }

    /**
     * An attribute this codec does not interpret, kept verbatim.
     *
     * @param type the 16-bit type
     * @param value the value without padding
     */
    record Unknown(int type, byte[] value) implements StunAttribute {
        /** @return true for types 0x0000..0x7FFF, which a receiver must understand (RFC 8489 §15) */
        public boolean comprehensionRequired() { return type < 0x8000; }
        @Override public boolean equals(Object o) { return o instanceof Unknown u && u.type == type && Arrays.equals(value, u.value); }
        @Override public int hashCode() { return type * 31 + Arrays.hashCode(value); }
        @Override public String toString() { return String.format("Unknown[0x%04x, %s]", type, HexFormat.of().formatHex(value)); }
    }
}
