package dev.parley.client.serve;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.protocol.Ed25519KeyPair;
import dev.parley.protocol.tls.Tls;
import dev.parley.protocol.tls.TlsIdentity;
import io.netty.channel.nio.NioEventLoopGroup;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The serve port before promotion takes only exact probe datagrams ("PRLYPRB1" + 16-byte nonce):
 * seeded mutations and random datagrams hand over no nonce (every nonce taken is the exact probe's),
 * the socket stays up and answers nothing.
 */
class ProbeListenerFuzzTest {
    @Test
    void onlyExactProbeDatagramsYieldANonceAndNothingIsEverAnswered() throws Exception {
        Random random = new Random(2026);
        SecureRandom keys = SecureRandom.getInstance("SHA1PRNG");
        keys.setSeed(7);
        NioEventLoopGroup io = new NioEventLoopGroup(1);
        List<byte[]> nonces = new CopyOnWriteArrayList<>();
        try (ProbeListener listener = ProbeListener.bind(io, "127.0.0.1", 0,
                Tls.server(TlsIdentity.of(Ed25519KeyPair.generate(keys), "fuzz", Instant.now())),
                (n, from) -> nonces.add(n), a -> { });
                DatagramSocket sender = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            InetSocketAddress target = new InetSocketAddress("127.0.0.1", listener.address().port());
            byte[] valid = new byte[ProbeListener.DATAGRAM_BYTES];
            System.arraycopy(ProbeListener.MAGIC, 0, valid, 0, ProbeListener.MAGIC.length);
            int sent = 0;
            for (int i = 0; i < 3_000; i++) {
                byte[] d;
                if (i % 2 == 0) { // a mutated probe: one to four bytes of the magic changed, or the length
                    d = Arrays.copyOf(valid, random.nextInt(4) == 0 ? random.nextInt(64) : valid.length);
                    if (d.length == valid.length) {
                        for (int k = 0, n = 1 + random.nextInt(4); k < n; k++) {
                            int at = random.nextInt(ProbeListener.MAGIC.length);
                            d[at] = (byte) (d[at] ^ (1 + random.nextInt(255)));
                        }
                    }
                } else {
                    d = new byte[random.nextInt(1200)];
                    random.nextBytes(d);
                }
                sender.send(new DatagramPacket(d, d.length, target));
                sent++;
            }
            byte[] probe = valid.clone();
            for (int k = ProbeListener.MAGIC.length; k < probe.length; k++) {
                probe[k] = (byte) k;
            }
            // The burst may overflow the socket's buffer: repeat the exact probe until it is taken
            // (which also shows the listener survived the garbage).
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (nonces.isEmpty() && System.nanoTime() < deadline) {
                sender.send(new DatagramPacket(probe, probe.length, target));
                TimeUnit.MILLISECONDS.sleep(50); // polling a real socket, with a deadline
            }
            assertThat(sent).isEqualTo(3_000);
            assertThat(nonces).isNotEmpty().allSatisfy(n -> assertThat(n).isEqualTo(Arrays.copyOfRange(probe, 8, 24)));
            sender.setSoTimeout(300);
            DatagramPacket back = new DatagramPacket(new byte[1500], 1500);
            boolean answered;
            try {
                sender.receive(back);
                answered = true;
            } catch (SocketTimeoutException e) {
                answered = false;
            }
            assertThat(answered).as("the serve port never answers on UDP").isFalse();
        } finally {
            io.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
    }
}
