package dev.parley.nat.turn;

import dev.parley.nat.stun.StunAttribute;
import dev.parley.nat.stun.StunClass;
import dev.parley.nat.stun.StunDecodeException;
import dev.parley.nat.stun.StunMessage;
import dev.parley.nat.stun.StunMessageType;
import dev.parley.nat.stun.TransactionId;
import dev.parley.nat.stun.XorAddress;
import java.net.InetSocketAddress;
import java.util.List;

/**
 * TURN requests a client sends over UDP and what it reads from the answers (RFC 8656 §7, §9, §11,
 * §18), on the STUN message and codec. TURN attributes travel as
 * {@link StunAttribute.Unknown} (the STUN codec keeps them verbatim); their values are built and read
 * here. Requests carry no credentials: the benchmark drives a server started with {@code --no-auth}.
 */
public final class TurnMessages {
    /** Allocate (RFC 8656 §18.1). */
    public static final int ALLOCATE = 0x003;
    /** CreatePermission. */
    public static final int CREATE_PERMISSION = 0x008;
    /** ChannelBind. */
    public static final int CHANNEL_BIND = 0x009;
    /** CHANNEL-NUMBER (RFC 8656 §18.1): 2 bytes number, 2 bytes RFFU. */
    public static final int CHANNEL_NUMBER = 0x000C;
    /** XOR-PEER-ADDRESS (§18.3). */
    public static final int XOR_PEER_ADDRESS = 0x0012;
    /** XOR-RELAYED-ADDRESS (§18.5). */
    public static final int XOR_RELAYED_ADDRESS = 0x0016;
    /** REQUESTED-TRANSPORT (§18.7): protocol number, 3 bytes RFFU. */
    public static final int REQUESTED_TRANSPORT = 0x0019;
    /** IANA protocol number of UDP, the only transport RFC 8656 relays. */
    static final int UDP = 17;

    private TurnMessages() {}

    /** @return an Allocate request for a UDP relayed address */
    public static StunMessage allocate(TransactionId id) {
        return request(ALLOCATE, id, new StunAttribute.Unknown(REQUESTED_TRANSPORT, new byte[] {UDP, 0, 0, 0}));
    }

    /** @return a CreatePermission request for {@code peer}'s IP address (§9) */
    public static StunMessage createPermission(TransactionId id, InetSocketAddress peer) {
        return request(CREATE_PERMISSION, id, new StunAttribute.Unknown(XOR_PEER_ADDRESS, XorAddress.encode(peer, id)));
    }

    /**
     * @param channel 0x4000..0x4FFF ({@link ChannelData#MIN_CHANNEL}..{@link ChannelData#MAX_CHANNEL})
     * @return a ChannelBind request binding {@code channel} to {@code peer} (§11.1; also installs a permission)
     * @throws IllegalArgumentException if the channel number is out of range
     */
    public static StunMessage channelBind(TransactionId id, int channel, InetSocketAddress peer) {
        ChannelData.checkChannel(channel);
        return request(CHANNEL_BIND, id,
                new StunAttribute.Unknown(CHANNEL_NUMBER, new byte[] {(byte) (channel >>> 8), (byte) channel, 0, 0}),
                new StunAttribute.Unknown(XOR_PEER_ADDRESS, XorAddress.encode(peer, id)));
    }

    private static StunMessage request(int method, TransactionId id, StunAttribute... attributes) {
        return new StunMessage(new StunMessageType(method, StunClass.REQUEST), id, List.of(attributes));
    }

    /**
     * @param response a decoded response to a request of {@code method}
     * @throws TurnException if it is an error response (with its ERROR-CODE) or of another method or class
     */
    public static void requireSuccess(StunMessage response, int method) throws TurnException {
        StunMessageType type = response.type();
        if (type.method() != method) {
            throw new TurnException(String.format("turn response: method 0x%03x (expected: 0x%03x)", type.method(), method));
        }
        if (type.stunClass() != StunClass.SUCCESS_RESPONSE) {
            String error = response.attribute(StunAttribute.ErrorCode.class)
                    .map(e -> e.code() + " " + e.reason()).orElse("no ERROR-CODE");
            throw new TurnException(String.format("turn method 0x%03x: %s (expected: success)", method, error));
        }
    }

    /**
     * @param allocateSuccess a success response to Allocate
     * @return its XOR-RELAYED-ADDRESS: where peers send to reach the client
     * @throws TurnException if the attribute is missing or malformed
     */
    public static InetSocketAddress relayedAddress(StunMessage allocateSuccess) throws TurnException {
        for (StunAttribute a : allocateSuccess.attributes()) {
            if (a instanceof StunAttribute.Unknown u && u.type() == XOR_RELAYED_ADDRESS) {
                try {
                    return XorAddress.decode(u.value(), allocateSuccess.transactionId(), "xorRelayedAddress");
                } catch (StunDecodeException e) {
                    throw new TurnException(e.getMessage());
                }
            }
        }
        throw new TurnException("allocate response: no XOR-RELAYED-ADDRESS (expected: one)");
    }
}
