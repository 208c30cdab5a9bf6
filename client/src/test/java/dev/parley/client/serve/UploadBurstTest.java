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
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.InstantSource;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The upload burst end to end on loopback (docs/architecture.md "Self-organizing overlay"): a real
 * login server measures a real candidate's paced burst; the estimate is close to the pace, a
 * candidate whose uplink carries 2,000 kbit/s is promoted, and one whose uplink carries only
 * 100 kbit/s (its burst paced that slowly) is not, whatever share it states.
 */
class UploadBurstTest {
    @TempDir
    Path dir;
    private LoginServer login;
    private EventLoopGroup io;
    private ServeRole role;

    @BeforeEach
    void start() throws Exception {
        login = LoginServer.start(LoginServerConfig.defaults(new HostPort("127.0.0.1", 0), dir.resolve("login"))
                .withArgon2(new Argon2Params(1024, 1, 1)));
        io = new NioEventLoopGroup(1);
    }

    @AfterEach
    void stop() {
        if (role != null) {
            role.close();
        }
        io.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        login.close();
    }

    private ServeRole candidate(int paceKbps) throws Exception {
        SecureRandom random = SecureRandom.getInstance("SHA1PRNG");
        random.setSeed(paceKbps);
        return ServeRole.start(io, List.of(login.boundAddress()),
                Tls.client(KeyVerifier.pinned(login.publicKey(), "login server")), login.publicKey(), dir.resolve("client"),
                ServeSettings.DEFAULTS, InstantSource.system(), random, UnaryOperator.identity(), paceKbps);
    }

    @Test
    void aCandidateWhoseUplinkCarriesItsShareIsMeasuredCloseToItAndPromoted() throws Exception {
        role = candidate(ServeSettings.DEFAULTS.bandwidthShareKbps());
        await(() -> role.measuredUploadKbps() >= 0, 10_000, "the login server's answer");
        System.out.printf("upload burst paced at %d kbit/s measured at %d kbit/s on loopback%n",
                ServeSettings.DEFAULTS.bandwidthShareKbps(), role.measuredUploadKbps());
        assertThat(role.measuredUploadKbps()).as("measured, kbit/s").isBetween(1_500, 2_800);
        await(() -> role.superNode() != null, 10_000, "promoted");
    }

    @Test
    void aCandidateWithASlowUplinkIsNotPromotedWhateverItStates() throws Exception {
        role = candidate(100);
        await(() -> role.refused() != null, 10_000, "the login server's verdict");
        // The answer comes over UDP, the verdict over TCP: either may be handled first.
        await(() -> role.measuredUploadKbps() >= 0, 5_000, "the login server's answer");
        assertThat(role.measuredUploadKbps()).as("measured, kbit/s").isBetween(60, 160);
        assertThat(role.refused()).startsWith("not eligible: upload measured").contains("(expected: >= 256)");
        assertThat(role.superNode()).isNull();
    }

    private static void await(BooleanSupplier condition, long ms, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ms);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + ms + " ms: " + what);
            }
            TimeUnit.MILLISECONDS.sleep(20); // polling with a deadline
        }
    }
}
