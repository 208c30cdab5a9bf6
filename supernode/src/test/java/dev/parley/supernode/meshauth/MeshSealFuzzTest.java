package dev.parley.supernode.meshauth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.supernode.meshauth.MeshNodes.Node;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Seeded mutations of genuine datagrams (with and without a certificate) and random bytes: opening
 * either fails with {@link MeshDatagramException} or, only for an unchanged genuine datagram,
 * succeeds. No other exception, and no forgery opens.
 */
class MeshSealFuzzTest {
    private static final int ROUNDS = 20_000;

    @Test
    void onlyTheTypedExceptionOrAGenuineDatagramComesOut() throws Exception {
        MeshNodes nodes = new MeshNodes();
        Node sender = nodes.node(1);
        // Every certificate gets verified: the fuzz reaches the parser and verifier, not just the rate limit.
        Node receiver = nodes.node(2, new MeshKeys.Limits(1024, 1e9, 1e9));
        sender.keys.learn(receiver.cert());
        SplittableRandom random = new SplittableRandom(20261127);
        Map<MeshDatagramException.Reason, Integer> reasons = new EnumMap<>(MeshDatagramException.Reason.class);
        int opened = 0;
        for (int i = 0; i < ROUNDS; i++) {
            if (i % 50 == 0) {
                sender.keys.forgetBoot(receiver.socket); // the next datagrams carry the certificate again
            }
            byte[] payload = new byte[random.nextInt(random.nextBoolean() ? 64 : 4000)];
            random.nextBytes(payload);
            byte[] genuine = sender.seal.seal(receiver.socket, payload);
            byte[] input = random.nextInt(10) == 0 ? randomDatagram(random) : mutate(genuine, random);
            InetSocketAddress from = random.nextInt(20) == 0 ? new InetSocketAddress("192.0.2.99", 7000) : sender.socket;
            try {
                MeshSeal.Opened o = receiver.seal.open(input, from);
                assertThat(input).as("round %d: only an unchanged genuine datagram opens", i).isEqualTo(genuine);
                assertThat(o.payload()).isEqualTo(payload);
                opened++;
            } catch (MeshDatagramException e) {
                reasons.merge(e.reason(), 1, Integer::sum);
            }
        }
        assertThat(opened).isPositive(); // identity "mutations" happen: the receiver stays usable throughout
        assertThat(reasons).containsKeys(MeshDatagramException.Reason.MALFORMED, MeshDatagramException.Reason.FORGED,
                MeshDatagramException.Reason.BAD_CERTIFICATE, MeshDatagramException.Reason.WRONG_ADDRESS,
                MeshDatagramException.Reason.STALE, MeshDatagramException.Reason.NOT_FOR_US);
    }

    private static byte[] mutate(byte[] genuine, SplittableRandom random) {
        byte[] d = genuine.clone();
        switch (random.nextInt(9)) {
            case 0 -> {
                for (int n = 1 + random.nextInt(4); n > 0; n--) {
                    d[random.nextInt(d.length)] ^= (byte) (1 << random.nextInt(8));
                }
            }
            case 1 -> d[random.nextInt(d.length)] = (byte) random.nextInt(256);
            case 2 -> d = Arrays.copyOf(d, random.nextInt(d.length)); // truncated
            case 3 -> { // extended
                d = Arrays.copyOf(d, d.length + 1 + random.nextInt(64));
                for (int j = genuine.length; j < d.length; j++) {
                    d[j] = (byte) random.nextInt(256);
                }
            }
            case 4 -> { // a byte deleted
                int at = random.nextInt(d.length);
                byte[] shorter = new byte[d.length - 1];
                System.arraycopy(d, 0, shorter, 0, at);
                System.arraycopy(d, at + 1, shorter, at, d.length - at - 1);
                d = shorter;
            }
            case 5 -> { // a header field rewritten: key id, boots, counter or time
                int field = 2 + 8 * random.nextInt(5);
                ByteBuffer.wrap(d).putLong(field, random.nextInt(3) == 0 ? 0 : random.nextLong());
            }
            case 6 -> { // the certificate length, whether or not one is there
                d[1] = 1;
                ByteBuffer.wrap(d).putShort(SealedHeader.FIXED_BYTES, (short) random.nextInt(65536));
            }
            case 7 -> d[1] = (byte) random.nextInt(256); // flags
            default -> {
                // unchanged: must open
            }
        }
        return d;
    }

    private static byte[] randomDatagram(SplittableRandom random) {
        byte[] d = new byte[random.nextInt(random.nextBoolean() ? 300 : MeshSeal.MAX_DATAGRAM_BYTES + 64)];
        random.nextBytes(d);
        if (d.length > 1 && random.nextBoolean()) {
            d[0] = (byte) MeshSeal.TYPE;
            d[1] = (byte) random.nextInt(2);
        }
        return d;
    }
}
