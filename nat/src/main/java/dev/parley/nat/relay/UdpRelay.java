package dev.parley.nat.relay;

import dev.parley.nat.stun.StunAttribute;
import dev.parley.nat.stun.StunCodec;
import dev.parley.nat.stun.StunDecodeException;
import dev.parley.nat.stun.StunMessage;
import dev.parley.nat.stun.StunMessageType;
import dev.parley.nat.stun.StunSeal;
import dev.parley.nat.transport.DatagramHandler;
import dev.parley.nat.transport.DatagramTransport;
import dev.parley.protocol.PacketKind;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.OptionalLong;
import org.jspecify.annotations.Nullable;

/**
 * The relay port's datagram logic. A <em>relay bind</em> is a STUN Binding request carrying
 * PARLEY-RELAY-TOKEN and MESSAGE-INTEGRITY keyed with the party's bind key: it latches the source
 * address to its party and is answered with XOR-MAPPED-ADDRESS. A refused bind (unknown token,
 * missing or wrong integrity, replay) gets a 401 error only if that is not larger than the
 * request, else nothing. Any other datagram from a latched source is forwarded, opaque and
 * undecoded, to the other party of its allocation within the sender's byte rate; datagrams from
 * unknown sources are refused (dropped and counted) — a client can never pick a destination.
 * Loop-confined like its {@link RelayAllocationTable}. {@link UdpRelayHandler} is the Netty form.
 */
public final class UdpRelay implements DatagramHandler {
    private final DatagramTransport transport;
    private final RelayAllocationTable table;
    private long forwarded;
    private long refused;

    /**
     * @param transport the relay's UDP socket
     * @param table allocations
     */
    public UdpRelay(DatagramTransport transport, RelayAllocationTable table) {
        this.transport = transport;
        this.table = table;
    }

    @Override
    public boolean onDatagram(InetSocketAddress from, byte[] payload) {
        if (payload.length >= StunCodec.HEADER_BYTES && PacketKind.of(payload) == PacketKind.STUN) {
            byte[] response = bindResponse(table, payload, from);
            if (response != null) {
                if (response.length > 0) {
                    transport.send(from, response);
                }
                return true;
            }
        }
        return switch (table.route(from, payload.length)) {
            case RelayRoute.Forward f -> {
                transport.send(f.to(), payload);
                forwarded++;
                yield true;
            }
            case RelayRoute.OverRate o -> {
                refused++;
                yield true; // the relay's packet, dropped
            }
            case RelayRoute.Unknown u -> {
                refused++;
                yield false;
            }
        };
    }

    /**
     * Handles a relay bind request. A refused bind is unauthenticated: its answer is never larger
     * than the request (no amplification towards a spoofed source).
     *
     * @return the response to send back (possibly empty: answer nothing); none if the datagram is
     *     not a relay bind request
     */
    static byte @Nullable [] bindResponse(RelayAllocationTable table, byte[] payload, InetSocketAddress from) {
        StunMessage m;
        try {
            m = StunCodec.decode(payload);
        } catch (StunDecodeException e) {
            return null;
        }
        var token = m.attribute(StunAttribute.RelayToken.class);
        if (!m.type().equals(StunMessageType.BINDING_REQUEST) || token.isEmpty()) {
            return null;
        }
        OptionalLong id = table.bind(token.get().token(), new RelayBindProof.StunIntegrity(payload, m.transactionId()), from);
        if (id.isPresent()) {
            return StunCodec.encode(new StunMessage(StunMessageType.BINDING_SUCCESS, m.transactionId(),
                    List.of(new StunAttribute.XorMappedAddress(from))), StunSeal.fingerprintOnly());
        }
        byte[] refusal = StunCodec.encode(new StunMessage(StunMessageType.BINDING_ERROR, m.transactionId(),
                List.of(new StunAttribute.ErrorCode(401, "Unauthorized"))), StunSeal.none());
        return refusal.length <= payload.length ? refusal : new byte[0];
    }

    /**
     * What a client appends to its relay bind request: MESSAGE-INTEGRITY (HMAC-SHA1, RFC 8489
     * §14.5) keyed with its party's bind key, then FINGERPRINT.
     *
     * @param key the party's bind key (RelayAllocated.caller_key or MediaDescription.relay_key)
     */
    public static StunSeal bindSeal(byte[] key) {
        return new StunSeal(key, true, false, true);
    }

    /** @return datagrams forwarded */
    public long forwarded() {
        return forwarded;
    }

    /** @return datagrams refused (unknown source, or other party not yet latched) */
    public long refused() {
        return refused;
    }
}
