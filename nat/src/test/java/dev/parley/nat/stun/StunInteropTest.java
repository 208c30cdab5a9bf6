package dev.parley.nat.stun;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.parley.nat.transport.UdpEndpoint;
import io.netty.channel.nio.NioEventLoopGroup;
import java.io.IOException;
import java.net.BindException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.InstantSource;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real sockets on 127.0.0.1: our client against our server, and interoperability with coturn's
 * standard tools (turnutils_stunclient, turnserver) when installed (Debian package "coturn").
 */
class StunInteropTest {
    private static NioEventLoopGroup group;

    @BeforeAll
    static void start() {
        group = new NioEventLoopGroup(1);
    }

    @AfterAll
    static void stop() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }

    @Test
    void ourClientLearnsItsAddressFromOurServer() throws Exception {
        try (StunServer server = StunServer.start(group, new InetSocketAddress("127.0.0.1", 0), "parley-test");
             UdpEndpoint endpoint = UdpEndpoint.bind(group, new InetSocketAddress("127.0.0.1", 0))) {
            StunClient client = new StunClient(endpoint, endpoint.scheduler(), InstantSource.system(), new SecureRandom(), StunClient.Timing.RFC8489);
            endpoint.addHandler(client);
            StunResponse r = endpoint.call(() -> client.binding(server.localAddress())).get(10, TimeUnit.SECONDS);
            assertThat(r.mappedAddress()).contains(endpoint.localAddress());
            assertThat(r.message().attribute(StunAttribute.Software.class).orElseThrow().description()).isEqualTo("parley-test");
        }
    }

    @Test
    void standardClientTurnutilsStunclientGetsItsAddressFromOurServer() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/turnutils_stunclient")),
                "turnutils_stunclient not installed (apt-get install coturn): interop with a standard client skipped");
        try (StunServer server = StunServer.start(group, new InetSocketAddress("127.0.0.1", 0), "parley-test")) {
            Process p = new ProcessBuilder("turnutils_stunclient", "-p", Integer.toString(server.localAddress().getPort()), "127.0.0.1")
                    .redirectErrorStream(true).start();
            assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(out).as(out).containsPattern("UDP reflexive addr: 127\\.0\\.0\\.1:\\d+");
        }
    }

    @Test
    void ourClientWorksAgainstTheStandardServerTurnserver(@TempDir Path dir) throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/turnserver")),
                "turnserver not installed (apt-get install coturn): interop with a standard server skipped");
        int port = freeUdpPort();
        // --no-rfc5780: otherwise turnserver also binds an alternate port (port + 1) that may be taken
        Process server = new ProcessBuilder("turnserver", "--stun-only", "--no-cli", "--no-tls", "--no-dtls", "--no-rfc5780",
                "--listening-ip", "127.0.0.1", "--listening-port", Integer.toString(port), "--log-file", "stdout",
                "--pidfile", dir.resolve("turn.pid").toString(), "--userdb", dir.resolve("turn.db").toString(), "--simple-log")
                .redirectErrorStream(true).redirectOutput(dir.resolve("turnserver.log").toFile()).start();
        try (UdpEndpoint endpoint = UdpEndpoint.bind(group, new InetSocketAddress("127.0.0.1", 0))) {
            StunClient client = new StunClient(endpoint, endpoint.scheduler(), InstantSource.system(), new SecureRandom(),
                    new StunClient.Timing(200, 8, 16)); // retransmissions (25 s) cover the server's start-up
            endpoint.addHandler(client);
            StunResponse r;
            try {
                r = endpoint.call(() -> client.binding(new InetSocketAddress("127.0.0.1", port))).get(60, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                throw new AssertionError("no answer from turnserver; alive: " + server.isAlive() + "; its log:\n"
                        + Files.readString(dir.resolve("turnserver.log")), e);
            }
            assertThat(r.isSuccess()).isTrue();
            assertThat(r.mappedAddress()).as(Files.readString(dir.resolve("turnserver.log"))).contains(endpoint.localAddress());
        } finally {
            server.destroy();
            server.waitFor(5, TimeUnit.SECONDS);
        }
    }

    /** A port free for both UDP and TCP on 127.0.0.1 (turnserver listens on both). */
    private static int freeUdpPort() throws IOException {
        for (int attempt = 0; ; attempt++) {
            try (DatagramSocket s = new DatagramSocket(0, InetAddress.getLoopbackAddress());
                    ServerSocket tcp = new ServerSocket(s.getLocalPort(), 1, InetAddress.getLoopbackAddress())) {
                return s.getLocalPort();
            } catch (BindException e) {
                if (attempt == 20) {
                    throw e;
                }
            }
        }
    }
}
