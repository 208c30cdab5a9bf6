package dev.parley.client.serve;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.login.Argon2Params;
import dev.parley.login.LoginServer;
import dev.parley.login.LoginServerConfig;
import dev.parley.protocol.HostPort;
import dev.parley.protocol.tls.KeyVerifier;
import dev.parley.protocol.tls.Tls;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.InstantSource;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A stranger who can send UDP datagrams to a serve candidate's serve port (here from 127.0.0.2; the
 * login server is at 127.0.0.1) sprays well-formed probe datagrams with made-up nonces at it from
 * before the candidate offers until it is promoted. Echoing them would hand the login server wrong
 * nonces and end the candidacy (docs/security.md "Promoted clients"); the candidate echoes only
 * probes from the login server's host, so it is proved and promoted as if nobody sprayed.
 */
class SpoofedProbeAttackTest {
    @TempDir
    Path dir;
    private LoginServer login;
    private EventLoopGroup io;
    private ServeRole role;
    private DatagramSocket stranger;
    private final ScheduledExecutorService spray = Executors.newSingleThreadScheduledExecutor();

    @BeforeEach
    void start() throws Exception {
        login = LoginServer.start(LoginServerConfig.defaults(new HostPort("127.0.0.1", 0), dir.resolve("login"))
                .withArgon2(new Argon2Params(1024, 1, 1)));
        io = new NioEventLoopGroup(1);
        stranger = new DatagramSocket(new InetSocketAddress("127.0.0.2", 0));
    }

    @AfterEach
    void stop() {
        spray.shutdownNow();
        stranger.close();
        if (role != null) {
            role.close();
        }
        io.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        login.close();
    }

    @Test
    void probeDatagramsFromAStrangerAreNotEchoedAndTheCandidateIsPromoted() throws Exception {
        int port;
        try (DatagramSocket free = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            port = free.getLocalPort(); // the serve port the candidate will bind (fixed, so the stranger knows it)
        }
        Random random = new Random(14); // the stranger's made-up nonces
        AtomicLong sprayed = new AtomicLong();
        InetSocketAddress target = new InetSocketAddress("127.0.0.1", port);
        spray.scheduleAtFixedRate(() -> {
            byte[] nonce = new byte[16];
            random.nextBytes(nonce);
            byte[] datagram = ByteBuffer.allocate(ProbeListener.DATAGRAM_BYTES).put(ProbeListener.MAGIC).put(nonce).array();
            try {
                stranger.send(new DatagramPacket(datagram, datagram.length, target));
                sprayed.incrementAndGet();
            } catch (Exception e) {
                // port not bound yet (ICMP): keep spraying
            }
        }, 0, 1, TimeUnit.MILLISECONDS);
        await(() -> sprayed.get() >= 20, "spraying");

        SecureRandom seeded = SecureRandom.getInstance("SHA1PRNG");
        seeded.setSeed(14);
        role = ServeRole.start(io, List.of(login.boundAddress()),
                Tls.client(KeyVerifier.pinned(login.publicKey(), "login server")), login.publicKey(), dir.resolve("client"),
                new ServeSettings(true, port, 500, 32, 2_000), InstantSource.system(), seeded);
        await(() -> role.superNode() != null || role.refused() != null, "the login server's verdict");
        assertThat(role.refused()).as("candidacy ended by a stranger's datagrams").isNull();
        assertThat(role.superNode()).as("promoted").isNotNull();
        assertThat(sprayed.get()).as("datagrams sprayed").isGreaterThan(50);
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within 15 s: " + what);
            }
            TimeUnit.MILLISECONDS.sleep(20); // polling with a deadline
        }
    }
}
