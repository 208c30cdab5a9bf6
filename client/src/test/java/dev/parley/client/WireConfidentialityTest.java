package dev.parley.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.parley.client.call.CallListener;
import dev.parley.client.call.IncomingCallPolicy;
import dev.parley.login.LoginServer;
import dev.parley.login.LoginServerConfig;
import dev.parley.protocol.HostPort;
import dev.parley.protocol.tls.HandshakeFailedException;
import dev.parley.protocol.tls.KeyVerifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Attacks on the client's TCP links (issue "An overlay that trusts no one"): a tap on the path reads
 * nothing, and a login server with another key is refused.
 */
class WireConfidentialityTest {
    private static final IncomingCallPolicy DECLINE = (id, c) -> new IncomingCallPolicy.Decline("no");

    @TempDir
    Path dir;

    private static boolean contains(byte[] haystack, String needle) {
        return new String(haystack, StandardCharsets.ISO_8859_1).contains(needle);
    }

    @Test
    void aTapOnTheLoginAndSuperNodeLinksSeesNoNamePasswordOrSearch() throws Exception {
        // The super node sits behind its tap: it advertises (and is certified for) the tap's address.
        try (RecordingProxy superNodeTap = new RecordingProxy(new HostPort("127.0.0.1", 1));
                TestOverlay overlay = new TestOverlay(dir, 1, UnaryOperator.identity(),
                        c -> c.withAdvertise(superNodeTap.address()));
                RecordingProxy loginTap = new RecordingProxy(overlay.login.boundAddress())) {
            superNodeTap.forwardTo(overlay.superNodes.get(0).boundAddress());
            ClientOptions o = overlay.options("wiretapped", "correct-horse-battery", 0, DECLINE, CallListener.NONE);
            ParleyClient client = overlay.client(new ClientOptions(loginTap.address(), o.username(), o.password(),
                    o.dataDir(), true, superNodeTap.address(), 32, 60, o.ringTimeout(), DECLINE, CallListener.NONE,
                    o.clock(), o.random()));
            client.search("someone-secret").get(10, TimeUnit.SECONDS);

            byte[] login = loginTap.seen();
            byte[] session = superNodeTap.seen();
            assertThat(login.length).as("login traffic crossed the tap").isGreaterThan(500);
            assertThat(session.length).as("super node traffic crossed the tap").isGreaterThan(500);
            for (byte[] seen : new byte[][] {login, session}) {
                assertThat(contains(seen, "wiretapped")).as("username in clear").isFalse();
                assertThat(contains(seen, "correct-horse-battery")).as("password in clear").isFalse();
                assertThat(contains(seen, "someone-secret")).as("search in clear").isFalse();
            }
        }
    }

    @Test
    void aLoginServerWithAnotherKeyIsRefusedAndTheStoredCredentialIsNotUsed() throws Exception {
        try (TestOverlay overlay = new TestOverlay(dir, 1)) {
            ClientOptions o = overlay.options("pinned", "pinned-password", 0, DECLINE, CallListener.NONE);
            overlay.client(o).close(); // first use: pins the real login server's key, stores a credential
            LoginServer impostor = LoginServer.start(LoginServerConfig.defaults(new HostPort("127.0.0.1", 0),
                    dir.resolve("impostor")));
            try {
                ClientOptions redirected = new ClientOptions(impostor.boundAddress(), o.username(),
                        o.password(), o.dataDir(), false, o.superNode(), 32, 60, o.ringTimeout(), DECLINE,
                        CallListener.NONE, o.clock(), o.random());
                assertThatThrownBy(() -> ParleyClient.start(redirected)).isInstanceOf(HandshakeFailedException.class)
                        .hasMessageContaining("login server key changed")
                        .hasMessageContaining(KeyVerifier.fingerprint(impostor.publicKey()))
                        .hasMessageContaining(KeyVerifier.fingerprint(overlay.login.publicKey()));
            } finally {
                impostor.close();
            }
        }
    }
}
