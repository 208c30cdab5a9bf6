package dev.parley.nat.stun;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Round trips of random messages, and seeded mutation fuzzing of the decoder. */
class StunFuzzTest {
    @Test
    void randomMessagesRoundTrip() throws Exception {
        SplittableRandom random = new SplittableRandom(4242);
        for (int i = 0; i < 500; i++) {
            StunMessage m = randomMessage(random);
            boolean integrity = random.nextBoolean();
            String password = "pw" + random.nextInt(1000);
            byte[] raw = StunCodec.encode(m, integrity ? StunSeal.shortTerm(password) : StunSeal.fingerprintOnly());
            StunMessage back = StunCodec.decode(raw);
            assertThat(back.type()).isEqualTo(m.type());
            assertThat(back.transactionId()).isEqualTo(m.transactionId());
            assertThat(back.attributes().subList(0, m.attributes().size())).isEqualTo(m.attributes());
            assertThat(StunCodec.verifyIntegrity(raw, password.getBytes())).isEqualTo(integrity);
        }
    }

    @Test
    void sha256IntegrityRoundTrips() throws Exception {
        StunMessage m = StunMessage.bindingRequest(TransactionId.random(new SplittableRandom(1)), new StunAttribute.Username("a:b"));
        byte[] raw = StunCodec.encode(m, new StunSeal("secret".getBytes(), true, true, true));
        assertThat(StunCodec.decode(raw).has(StunAttribute.MessageIntegritySha256.class)).isTrue();
        assertThat(StunCodec.verifyIntegritySha256(raw, "secret".getBytes())).isTrue();
        assertThat(StunCodec.verifyIntegritySha256(raw, "other".getBytes())).isFalse();
        assertThat(StunCodec.verifyIntegrity(raw, "secret".getBytes())).isTrue();
    }

    @Test
    void mutatedAndRandomInputOnlyEverThrowTheTypedException() {
        SplittableRandom random = new SplittableRandom(7983);
        List<byte[]> seeds = List.of(Rfc5769Vectors.bytes(Rfc5769Vectors.REQUEST),
                Rfc5769Vectors.bytes(Rfc5769Vectors.IPV4_RESPONSE), Rfc5769Vectors.bytes(Rfc5769Vectors.IPV6_RESPONSE),
                StunCodec.encode(randomMessage(random), StunSeal.none()));
        int decoded = 0;
        for (int i = 0; i < 30_000; i++) {
            byte[] input = mutate(seeds.get(random.nextInt(seeds.size())), random);
            try {
                StunCodec.decode(input);
                decoded++;
            } catch (StunDecodeException expected) {
                assertThat(expected.getMessage()).isNotBlank();
            }
            assertThatCode(() -> StunCodec.verifyIntegrity(input, new byte[] {1})).doesNotThrowAnyException();
        }
        // mutations that keep the framing (e.g. inside unknown attributes) should still decode sometimes
        assertThat(decoded).isPositive();
    }

    private static byte[] mutate(byte[] seed, SplittableRandom r) {
        return switch (r.nextInt(5)) {
            case 0 -> { // flip bytes
                byte[] b = seed.clone();
                for (int k = 0, n = 1 + r.nextInt(4); k < n; k++) {
                    b[r.nextInt(b.length)] = (byte) r.nextInt(256);
                }
                yield b;
            }
            case 1 -> Arrays.copyOf(seed, r.nextInt(seed.length + 8)); // truncate or extend
            case 2 -> { // random garbage with a valid-looking header
                byte[] b = new byte[20 + 4 * r.nextInt(40)];
                r.nextBytes(b);
                b[0] &= 0x03;
                b[2] = (byte) ((b.length - 20) >>> 8);
                b[3] = (byte) (b.length - 20);
                b[4] = 0x21; b[5] = 0x12; b[6] = (byte) 0xa4; b[7] = 0x42;
                yield b;
            }
            case 3 -> { // corrupt an attribute length only, keep the header consistent
                byte[] b = seed.clone();
                int at = 20 + 4 * r.nextInt((b.length - 20) / 4);
                b[at + 2] = (byte) r.nextInt(256);
                b[at + 3] = (byte) r.nextInt(256);
                yield b;
            }
            default -> {
                byte[] b = new byte[r.nextInt(64)];
                r.nextBytes(b);
                yield b;
            }
        };
    }

    static StunMessage randomMessage(SplittableRandom r) {
        TransactionId id = TransactionId.random(r);
        List<StunAttribute> attrs = new ArrayList<>();
        try {
            byte[] v4 = new byte[4];
            r.nextBytes(v4);
            byte[] v6 = new byte[16];
            r.nextBytes(v6);
            attrs.add(new StunAttribute.XorMappedAddress(new InetSocketAddress(InetAddress.getByAddress(v4), r.nextInt(65536))));
            attrs.add(new StunAttribute.XorMappedAddress(new InetSocketAddress(InetAddress.getByAddress(v6), r.nextInt(65536))));
            attrs.add(new StunAttribute.MappedAddress(new InetSocketAddress(InetAddress.getByAddress(v4), r.nextInt(65536))));
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
        attrs.add(new StunAttribute.Username("u" + r.nextInt() + ":ü" + r.nextInt(99)));
        attrs.add(new StunAttribute.Software("parley ✓ " + r.nextInt(10)));
        attrs.add(new StunAttribute.Priority(r.nextLong(1L << 32)));
        attrs.add(new StunAttribute.UseCandidate());
        attrs.add(r.nextBoolean() ? new StunAttribute.IceControlling(r.nextLong()) : new StunAttribute.IceControlled(r.nextLong()));
        attrs.add(new StunAttribute.ErrorCode(300 + r.nextInt(400), "reason " + r.nextInt(100)));
        attrs.add(new StunAttribute.UnknownAttributes(List.of(r.nextInt(0x8000), r.nextInt(0x8000))));
        byte[] token = new byte[1 + r.nextInt(32)];
        r.nextBytes(token);
        attrs.add(new StunAttribute.RelayToken(token));
        byte[] unknown = new byte[r.nextInt(9)];
        r.nextBytes(unknown);
        attrs.add(new StunAttribute.Unknown(0x7f00 + r.nextInt(16), unknown));
        Collections.shuffle(attrs, new Random(r.nextLong()));
        StunClass c = StunClass.values()[r.nextInt(4)];
        return new StunMessage(new StunMessageType(StunMessageType.BINDING, c), id, attrs);
    }
}
