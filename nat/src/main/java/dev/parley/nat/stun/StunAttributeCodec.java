package dev.parley.nat.stun;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Attribute values (without the TLV header) to and from bytes; RFC 8489 §14 and RFC 8445 §16.1. */
final class StunAttributeCodec {
    /** USERNAME < 513 bytes (§14.3); SOFTWARE and reason phrases < 128 characters (≤ 763 bytes). */
    static final int MAX_USERNAME_BYTES = 512;
    static final int MAX_TEXT_BYTES = 763;
    static final int MAX_RELAY_TOKEN_BYTES = 64;

    private StunAttributeCodec() {}

    static byte[] encodeValue(StunAttribute a, TransactionId id) {
        return switch (a) {
            case StunAttribute.MappedAddress m -> address(m.address(), false, id);
            case StunAttribute.XorMappedAddress x -> address(x.address(), true, id);
            case StunAttribute.Username u -> text(u.name(), MAX_USERNAME_BYTES, "username");
            case StunAttribute.MessageIntegrity m -> m.hmac().clone();
            case StunAttribute.MessageIntegritySha256 m -> m.hmac().clone();
            case StunAttribute.Fingerprint f -> ByteBuffer.allocate(4).putInt(f.crc32XorStun()).array();
            case StunAttribute.ErrorCode e -> {
                byte[] reason = text(e.reason(), MAX_TEXT_BYTES, "reason");
                yield ByteBuffer.allocate(4 + reason.length).putShort((short) 0)
                        .put((byte) (e.code() / 100)).put((byte) (e.code() % 100)).put(reason).array();
            }
            case StunAttribute.UnknownAttributes u -> {
                ByteBuffer b = ByteBuffer.allocate(2 * u.types().size());
                u.types().forEach(t -> b.putShort((short) (int) t));
                yield b.array();
            }
            case StunAttribute.Software s -> text(s.description(), MAX_TEXT_BYTES, "software");
            case StunAttribute.Priority p -> ByteBuffer.allocate(4).putInt((int) p.priority()).array();
            case StunAttribute.UseCandidate u -> new byte[0];
            case StunAttribute.IceControlling c -> ByteBuffer.allocate(8).putLong(c.tieBreaker()).array();
            case StunAttribute.IceControlled c -> ByteBuffer.allocate(8).putLong(c.tieBreaker()).array();
            case StunAttribute.RelayToken t -> {
                if (t.token().length > MAX_RELAY_TOKEN_BYTES) {
                    throw new IllegalArgumentException(String.format("relayToken: %d bytes (expected: <= %d)", t.token().length, MAX_RELAY_TOKEN_BYTES));
                }
                yield t.token().clone();
            }
            case StunAttribute.Unknown u -> u.value().clone();
        };
    }

    static StunAttribute decodeValue(int type, byte[] v, TransactionId id) throws StunDecodeException {
        ByteBuffer b = ByteBuffer.wrap(v);
        return switch (type) {
            case StunAttribute.MAPPED_ADDRESS -> new StunAttribute.MappedAddress(address(v, false, id, "mappedAddress"));
            case StunAttribute.XOR_MAPPED_ADDRESS -> new StunAttribute.XorMappedAddress(address(v, true, id, "xorMappedAddress"));
            case StunAttribute.USERNAME -> new StunAttribute.Username(text(v, MAX_USERNAME_BYTES, "username"));
            case StunAttribute.MESSAGE_INTEGRITY -> new StunAttribute.MessageIntegrity(exact(v, 20, "messageIntegrity"));
            case StunAttribute.MESSAGE_INTEGRITY_SHA256 -> {
                if (v.length < 16 || v.length > 32 || (v.length & 3) != 0) {
                    throw new StunDecodeException(String.format("messageIntegritySha256: %d bytes (expected: 16..32, a multiple of 4)", v.length));
                }
                yield new StunAttribute.MessageIntegritySha256(v);
            }
            case StunAttribute.FINGERPRINT -> new StunAttribute.Fingerprint(ByteBuffer.wrap(exact(v, 4, "fingerprint")).getInt());
            case StunAttribute.ERROR_CODE -> {
                if (v.length < 4) {
                    throw new StunDecodeException(String.format("errorCode: %d bytes (expected: >= 4)", v.length));
                }
                int cls = v[2] & 0x07;
                int number = v[3] & 0xff;
                if (cls < 3 || cls > 6 || number > 99) {
                    throw new StunDecodeException(String.format("errorCode: class %d number %d (expected: 3..6, 0..99)", cls, number));
                }
                byte[] reason = new byte[v.length - 4];
                System.arraycopy(v, 4, reason, 0, reason.length);
                yield new StunAttribute.ErrorCode(cls * 100 + number, text(reason, MAX_TEXT_BYTES, "reason"));
            }
            case StunAttribute.UNKNOWN_ATTRIBUTES -> {
                if ((v.length & 1) != 0) {
                    throw new StunDecodeException(String.format("unknownAttributes: %d bytes (expected: even)", v.length));
                }
                List<Integer> types = new ArrayList<>();
                while (b.hasRemaining()) {
                    types.add(b.getShort() & 0xffff);
                }
                yield new StunAttribute.UnknownAttributes(types);
            }
            case StunAttribute.SOFTWARE -> new StunAttribute.Software(text(v, MAX_TEXT_BYTES, "software"));
            case StunAttribute.PRIORITY -> new StunAttribute.Priority(ByteBuffer.wrap(exact(v, 4, "priority")).getInt() & 0xffffffffL);
            case StunAttribute.USE_CANDIDATE -> {
                exact(v, 0, "useCandidate");
                yield new StunAttribute.UseCandidate();
            }
            case StunAttribute.ICE_CONTROLLING -> new StunAttribute.IceControlling(ByteBuffer.wrap(exact(v, 8, "iceControlling")).getLong());
            case StunAttribute.ICE_CONTROLLED -> new StunAttribute.IceControlled(ByteBuffer.wrap(exact(v, 8, "iceControlled")).getLong());
            case StunAttribute.PARLEY_RELAY_TOKEN -> {
                if (v.length == 0 || v.length > MAX_RELAY_TOKEN_BYTES) {
                    throw new StunDecodeException(String.format("relayToken: %d bytes (expected: 1..%d)", v.length, MAX_RELAY_TOKEN_BYTES));
                }
                yield new StunAttribute.RelayToken(v);
            }
            default -> new StunAttribute.Unknown(type, v);
        };
    }

    private static byte[] exact(byte[] v, int expected, String name) throws StunDecodeException {
        if (v.length != expected) {
            throw new StunDecodeException(String.format("%s: %d bytes (expected: %d)", name, v.length, expected));
        }
        return v;
    }

    private static byte[] text(String s, int max, String name) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        if (b.length > max) {
            throw new IllegalArgumentException(String.format("%s: %d bytes (expected: <= %d)", name, b.length, max));
        }
        return b;
    }

    private static String text(byte[] v, int max, String name) throws StunDecodeException {
        if (v.length > max) {
            throw new StunDecodeException(String.format("%s: %d bytes (expected: <= %d)", name, v.length, max));
        }
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(v)).toString();
        } catch (CharacterCodingException e) {
            throw new StunDecodeException(name + ": invalid UTF-8 (expected: UTF-8 text)");
        }
    }

    /** Family 0x01 = IPv4 (4 address bytes), 0x02 = IPv6 (16); XOR with cookie (and transaction id for IPv6). */
    static byte[] address(InetSocketAddress a, boolean xor, TransactionId id) {
        if (a.isUnresolved()) {
            throw new IllegalArgumentException("address: " + a + " unresolved (expected: an IP address)");
        }
        byte[] ip = a.getAddress().getAddress();
        int port = a.getPort();
        if (xor) {
            port ^= StunCodec.MAGIC_COOKIE >>> 16;
            xorAddress(ip, id);
        }
        return ByteBuffer.allocate(4 + ip.length).put((byte) 0).put((byte) (ip.length == 4 ? 1 : 2))
                .putShort((short) port).put(ip).array();
    }

    static InetSocketAddress address(byte[] v, boolean xor, TransactionId id, String name) throws StunDecodeException {
        if (v.length < 4) {
            throw new StunDecodeException(String.format("%s: %d bytes (expected: 8 or 20)", name, v.length));
        }
        int family = v[1] & 0xff;
        int ipLength = family == 1 ? 4 : family == 2 ? 16 : -1;
        if (ipLength < 0) {
            throw new StunDecodeException(String.format("%s: family 0x%02x (expected: 0x01 IPv4 or 0x02 IPv6)", name, family));
        }
        if (v.length != 4 + ipLength) {
            throw new StunDecodeException(String.format("%s: %d bytes (expected: %d)", name, v.length, 4 + ipLength));
        }
        int port = ((v[2] & 0xff) << 8) | (v[3] & 0xff);
        byte[] ip = new byte[ipLength];
        System.arraycopy(v, 4, ip, 0, ipLength);
        if (xor) {
            port ^= StunCodec.MAGIC_COOKIE >>> 16;
            xorAddress(ip, id);
        }
        try {
            return new InetSocketAddress(InetAddress.getByAddress(ip), port);
        } catch (UnknownHostException e) {
            throw new StunDecodeException(name + ": bad address length");
        }
    }

    private static void xorAddress(byte[] ip, TransactionId id) {
        int cookie = StunCodec.MAGIC_COOKIE;
        for (int i = 0; i < ip.length; i++) {
            int k = i < 4 ? (cookie >>> (24 - 8 * i)) & 0xff : id.byteAt(i - 4) & 0xff;
            ip[i] ^= (byte) k;
        }
    }
}
