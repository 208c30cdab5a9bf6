package dev.parley.nat.turn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.parley.nat.stun.StunAttribute;
import dev.parley.nat.stun.StunClass;
import dev.parley.nat.stun.StunCodec;
import dev.parley.nat.stun.StunDecodeException;
import dev.parley.nat.stun.StunMessage;
import dev.parley.nat.stun.StunMessageType;
import dev.parley.nat.stun.StunSeal;
import dev.parley.nat.stun.TransactionId;
import dev.parley.nat.stun.XorAddress;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** TURN requests and answers (RFC 8656) on the STUN codec, ChannelData framing, and seeded fuzzing of both decoders. */
class TurnCodecFuzzTest {
    private static final InetSocketAddress PEER = new InetSocketAddress("127.0.0.1", 40_001);

    @Test
    void requestsCarryTheirAttributes() throws Exception {
        TransactionId id = TransactionId.random(new SplittableRandom(1));
        StunMessage bind = StunCodec.decode(StunCodec.encode(TurnMessages.channelBind(id, 0x4001, PEER), StunSeal.none()));
        assertThat(bind.type()).isEqualTo(new StunMessageType(TurnMessages.CHANNEL_BIND, StunClass.REQUEST));
        assertThat(bind.type().wireValue()).isEqualTo(0x0009);
        assertThat(bind.attributes()).contains(new StunAttribute.Unknown(TurnMessages.CHANNEL_NUMBER, new byte[] {0x40, 0x01, 0, 0}));
        StunAttribute.Unknown peer = (StunAttribute.Unknown) bind.attributes().get(1);
        assertThat(XorAddress.decode(peer.value(), id, "peer")).isEqualTo(PEER);
        byte[] allocate = StunCodec.encode(TurnMessages.allocate(id), StunSeal.none());
        assertThat(allocate[1]).isEqualTo((byte) 0x03); // Allocate request 0x0003
        assertThat(allocate).hasSize(20 + 8);
        assertThatThrownBy(() -> TurnMessages.channelBind(id, 0x5000, PEER)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void readsTheRelayedAddressAndRefusesErrors() throws Exception {
        TransactionId id = TransactionId.random(new SplittableRandom(2));
        StunMessage ok = new StunMessage(new StunMessageType(TurnMessages.ALLOCATE, StunClass.SUCCESS_RESPONSE), id,
                List.of(new StunAttribute.Unknown(TurnMessages.XOR_RELAYED_ADDRESS, XorAddress.encode(PEER, id))));
        StunMessage decoded = StunCodec.decode(StunCodec.encode(ok, StunSeal.fingerprintOnly()));
        TurnMessages.requireSuccess(decoded, TurnMessages.ALLOCATE);
        assertThat(TurnMessages.relayedAddress(decoded)).isEqualTo(PEER);
        StunMessage error = new StunMessage(new StunMessageType(TurnMessages.ALLOCATE, StunClass.ERROR_RESPONSE), id,
                List.of(new StunAttribute.ErrorCode(486, "Allocation Quota Reached")));
        assertThatThrownBy(() -> TurnMessages.requireSuccess(error, TurnMessages.ALLOCATE))
                .isInstanceOf(TurnException.class).hasMessageContaining("486");
        assertThatThrownBy(() -> TurnMessages.requireSuccess(decoded, TurnMessages.CHANNEL_BIND))
                .isInstanceOf(TurnException.class).hasMessageContaining("method");
        assertThatThrownBy(() -> TurnMessages.relayedAddress(new StunMessage(ok.type(), id, List.of())))
                .isInstanceOf(TurnException.class);
    }

    @Test
    void channelDataRoundTripsWithOrWithoutPadding() throws Exception {
        ByteBuf b = Unpooled.buffer();
        new ChannelData(0x4abc, 5).writeHeader(b);
        b.writeBytes(new byte[] {1, 2, 3, 4, 5});
        assertThat(ChannelData.decode(b, ChannelData.DEFAULT_MAX_BYTES)).isEqualTo(new ChannelData(0x4abc, 5));
        b.writeZero(3); // padded to 4 (RFC 8656 §12.5)
        assertThat(ChannelData.decode(b, ChannelData.DEFAULT_MAX_BYTES).length()).isEqualTo(5);
        b.writeZero(1);
        assertThatThrownBy(() -> ChannelData.decode(b, ChannelData.DEFAULT_MAX_BYTES)).isInstanceOf(ChannelDataDecodeException.class);
        assertThatThrownBy(() -> ChannelData.decode(Unpooled.wrappedBuffer(new byte[] {0x40, 0, 0}), 1500))
                .hasMessage("channelData: 3 bytes (expected: >= 4)");
        assertThatThrownBy(() -> ChannelData.decode(Unpooled.wrappedBuffer(new byte[1501]), 1500))
                .hasMessage("channelData: 1501 bytes (expected: <= 1500)");
        assertThatThrownBy(() -> ChannelData.decode(Unpooled.wrappedBuffer(new byte[] {0x50, 0, 0, 0}), 1500))
                .hasMessageContaining("channel: 0x5000");
    }

    @Test
    void mutatedChannelDataOnlyEverThrowsTheTypedException() {
        SplittableRandom random = new SplittableRandom(8656);
        int decoded = 0;
        for (int i = 0; i < 30_000; i++) {
            byte[] input = mutate(new byte[] {0x40, 0x00, 0x00, 0x04, 1, 2, 3, 4}, random);
            try {
                ChannelData d = ChannelData.decode(Unpooled.wrappedBuffer(input), 64);
                assertThat(ChannelData.HEADER_BYTES + d.length()).isLessThanOrEqualTo(input.length);
                decoded++;
            } catch (ChannelDataDecodeException expected) {
                assertThat(expected.getMessage()).isNotBlank();
            }
        }
        assertThat(decoded).isPositive();
    }

    @Test
    void mutatedAllocateAnswersOnlyEverThrowTheTypedExceptions() {
        SplittableRandom random = new SplittableRandom(5766);
        TransactionId id = TransactionId.random(random);
        byte[] seed = StunCodec.encode(new StunMessage(new StunMessageType(TurnMessages.ALLOCATE, StunClass.SUCCESS_RESPONSE), id,
                List.of(new StunAttribute.Unknown(TurnMessages.XOR_RELAYED_ADDRESS, XorAddress.encode(PEER, id)))), StunSeal.none());
        int read = 0;
        for (int i = 0; i < 30_000; i++) {
            byte[] input = mutate(seed, random);
            try {
                StunMessage m = StunCodec.decode(input);
                TurnMessages.requireSuccess(m, TurnMessages.ALLOCATE);
                assertThat(TurnMessages.relayedAddress(m)).isNotNull();
                read++;
            } catch (StunDecodeException | TurnException expected) {
                assertThat(expected.getMessage()).isNotBlank();
            }
        }
        assertThat(read).isPositive();
    }

    private static byte[] mutate(byte[] seed, SplittableRandom random) {
        byte[] out = switch (random.nextInt(4)) {
            case 0 -> Arrays.copyOf(seed, random.nextInt(seed.length + 8));
            case 1 -> {
                byte[] r = new byte[random.nextInt(40)];
                random.nextBytes(r);
                yield r;
            }
            default -> seed.clone();
        };
        for (int flips = random.nextInt(4); flips > 0 && out.length > 0; flips--) {
            out[random.nextInt(out.length)] = (byte) random.nextInt(256);
        }
        return out;
    }
}
