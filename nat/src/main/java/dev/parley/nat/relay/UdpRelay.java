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
 * PARLEY-RELAY-TOKEN: it latches the source address to its party and is answered with
 * XOR-MAPPED-ADDRESS (or 403 for an unknown token). Any other datagram from a latched source is
 * forwarded, opaque and undecoded, to the other party of its allocation; datagrams from unknown
 * sources are refused (dropped and counted) — a client can never pick a destination.
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
                transport.send(from, response);
                return true;
            }
        }
        InetSocketAddress to = table.route(from);
        if (to == null) {
            refused++;
            return false;
        }
        transport.send(to, payload);
        forwarded++;
        return true;
    }

    /**
     * Handles a relay bind request.
     *
     * @return the response to send back; none if the datagram is not a relay bind request
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
        OptionalLong id = table.bind(token.get().token(), from);
        StunMessage response = id.isPresent()
                ? new StunMessage(StunMessageType.BINDING_SUCCESS, m.transactionId(), List.of(new StunAttribute.XorMappedAddress(from)))
                : new StunMessage(StunMessageType.BINDING_ERROR, m.transactionId(), List.of(new StunAttribute.ErrorCode(403, "Forbidden")));
        return StunCodec.encode(response, StunSeal.fingerprintOnly());
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
