package dev.parley.login;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.parley.protocol.Ed25519KeyPair;
import dev.parley.protocol.Envelopes;
import dev.parley.protocol.tls.TlsSockets;
import dev.parley.protocol.HostPort;
import dev.parley.protocol.wire.AccountLookup;
import dev.parley.protocol.wire.CreateAccount;
import dev.parley.protocol.wire.Envelope;
import dev.parley.protocol.wire.ErrorCode;
import dev.parley.protocol.wire.GetServerKey;
import dev.parley.protocol.wire.Login;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Attacks on the login server over real TCP sockets on loopback; attackers and owners use distinct
 * source addresses (127.0.0.x: Linux routes all of 127/8 to the loopback interface). Time is the
 * injected clock, except for the idle timeout (Netty's timer).
 */
class LoginAbuseTest {
    private static final String OWNER = "127.0.0.1";
    private static final String ATTACKER = "127.0.0.2";

    @TempDir
    Path dataDir;

    private final MutableClock clock = new MutableClock(TestSupport.T0);
    private final byte[] clientKey = Ed25519KeyPair.generate(TestSupport.seededRandom(51)).publicKey();
    private final List<Socket> sockets = new ArrayList<>();
    private LoginServer server;

    private void start(LoginLimits limits) throws IOException {
        server = LoginServer.start(LoginServerConfig.defaults(new HostPort("127.0.0.1", 0), dataDir)
                .withClock(clock).withArgon2(TestSupport.CHEAP).withRandom(TestSupport.seededRandom(52)).withLimits(limits));
    }

    @AfterEach
    void stop() throws IOException {
        for (Socket s : sockets) {
            s.close();
        }
        server.close();
    }

    @Test
    void passwordGuessingIsPausedForTheGuesserButTheOwnerStillLogsIn() throws Exception {
        start(LoginLimits.DEFAULTS);
        Socket owner = socket(OWNER);
        assertThat(call(owner, create(1, "alice", "correct horse")).hasOk()).isTrue();

        // The reported attack: 60 wrong guesses in a row from one connection.
        Socket attacker = socket(ATTACKER);
        List<ErrorCode> answers = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            answers.add(call(attacker, login(100 + i, "alice", "guess-" + i)).getError().getCode());
        }
        assertThat(answers.subList(0, 5)).containsOnly(ErrorCode.WRONG_CREDENTIALS);
        assertThat(answers.subList(5, 60)).containsOnly(ErrorCode.RATE_LIMITED);
        Envelope paused = call(attacker, login(200, "alice", "correct horse"));
        assertThat(paused.getError().getCode()).as("even the right password, from the guesser").isEqualTo(ErrorCode.RATE_LIMITED);
        assertThat(paused.getError().getMessage())
                .isEqualTo("failed logins for 'alice' from 127.0.0.2: 5 (expected: < 5 before a pause); retry in 1 s");

        assertThat(call(owner, login(2, "alice", "correct horse")).hasLoginResult()).as("owner, other address").isTrue();

        // Each further failure doubles the pause.
        clock.advance(Duration.ofSeconds(1));
        assertThat(call(attacker, login(201, "alice", "guess-x")).getError().getCode()).isEqualTo(ErrorCode.WRONG_CREDENTIALS);
        assertThat(call(attacker, login(202, "alice", "guess-y")).getError().getMessage()).endsWith("retry in 2 s");
    }

    @Test
    void oneAddressCannotTakeAllThePasswordWork() throws Exception {
        start(LoginLimits.DEFAULTS);
        Socket owner = socket(OWNER);
        assertThat(call(owner, create(1, "bob", "bob-password")).hasOk()).isTrue();

        // A login flood over many account names (so no account backoff applies) from one address.
        Socket attacker = socket(ATTACKER);
        int burst = LoginLimits.DEFAULTS.hashBurst();
        for (int i = 0; i < burst; i++) {
            assertThat(call(attacker, login(100 + i, "victim" + i, "guess")).getError().getCode())
                    .isEqualTo(ErrorCode.WRONG_CREDENTIALS);
        }
        Envelope limited = call(attacker, login(300, "victim-next", "guess"));
        assertThat(limited.getError().getCode()).isEqualTo(ErrorCode.RATE_LIMITED);
        assertThat(limited.getError().getMessage()).isEqualTo(
                "password requests from 127.0.0.2: over 20 at once or 2.0 per second (expected: fewer); retry in 1 s");

        assertThat(call(owner, login(2, "bob", "bob-password")).hasLoginResult()).isTrue();
        clock.advance(Duration.ofSeconds(1)); // 2 tokens back
        assertThat(call(attacker, login(301, "victim-next", "guess")).getError().getCode())
                .isEqualTo(ErrorCode.WRONG_CREDENTIALS);
    }

    @Test
    void accountCreationIsLimitedPerAddressAndNeedsEightCharacters() throws Exception {
        start(LoginLimits.DEFAULTS);
        Socket attacker = socket(ATTACKER);
        Envelope shortPassword = call(attacker, create(1, "shorty", "1234567"));
        assertThat(shortPassword.getError().getCode()).isEqualTo(ErrorCode.BAD_REQUEST);
        assertThat(shortPassword.getError().getMessage()).isEqualTo("password: 7 chars (expected: >= 8)");

        for (int i = 2; i <= LoginLimits.DEFAULTS.accountsBurst(); i++) {
            assertThat(call(attacker, create(i, "spam" + i, "spam-password")).hasOk()).isTrue();
        }
        Envelope limited = call(attacker, create(50, "spam50", "spam-password"));
        assertThat(limited.getError().getCode()).isEqualTo(ErrorCode.RATE_LIMITED);
        assertThat(limited.getError().getMessage())
                .isEqualTo("accounts created from 127.0.0.2: over 10 (expected: 1 more per 60 s); retry in 60 s");

        assertThat(call(socket(OWNER), create(1, "carol", "carol-password")).hasOk()).as("other address").isTrue();
        clock.advance(Duration.ofMinutes(1));
        assertThat(call(attacker, create(51, "spam51", "spam-password")).hasOk()).isTrue();
    }

    /** The attack: enumerating names with lookups is no faster than with account creations (same per-address bucket). */
    @Test
    void accountLookupsShareTheCreationLimit() throws Exception {
        start(LoginLimits.DEFAULTS);
        assertThat(call(socket(OWNER), create(1, "alice", "alice-password")).hasOk()).isTrue();
        Socket attacker = socket(ATTACKER);
        assertThat(call(attacker, lookup(2, "Alice")).getAccountLookupResult().getExists()).isTrue();
        assertThat(call(attacker, lookup(3, "zed")).getAccountLookupResult().getExists()).isFalse();
        assertThat(call(attacker, lookup(4, "no such name!")).getError().getCode()).isEqualTo(ErrorCode.INVALID_USERNAME);
        for (int i = 5; i <= LoginLimits.DEFAULTS.accountsBurst() + 1; i++) { // 10 lookups in all
            assertThat(call(attacker, lookup(i, "name" + i)).hasAccountLookupResult()).isTrue();
        }
        Envelope limited = call(attacker, lookup(50, "name50"));
        assertThat(limited.getError().getCode()).isEqualTo(ErrorCode.RATE_LIMITED);
        assertThat(limited.getError().getMessage()).startsWith("account lookups and creations from 127.0.0.2: over 10");
        assertThat(call(attacker, create(51, "spam51", "spam-password")).getError().getCode())
                .as("and creations wait too").isEqualTo(ErrorCode.RATE_LIMITED);
    }

    @Test
    void connectionsPerAddressAreCapped() throws Exception {
        start(LoginLimits.DEFAULTS);
        int cap = LoginLimits.DEFAULTS.connectionsPerAddress();
        for (int i = 0; i < cap; i++) {
            assertThat(call(socket(ATTACKER), serverKey(i)).hasServerKey()).isTrue(); // open and counted
        }
        Socket over = socket(ATTACKER);
        Envelope refused = Envelope.parseDelimitedFrom(over.getInputStream());
        assertThat(refused.getError().getCode()).isEqualTo(ErrorCode.RATE_LIMITED);
        assertThat(refused.getError().getMessage()).isEqualTo("connections from 127.0.0.2: 17 (expected: <= 16)");
        assertThat(over.getInputStream().read()).as("closed").isEqualTo(-1);

        assertThat(call(socket(OWNER), serverKey(99)).hasServerKey()).as("other address").isTrue();
    }

    @Test
    void idleConnectionsAreClosed() throws Exception {
        start(LoginLimits.DEFAULTS.withIdleTimeout(Duration.ofMillis(300)));
        Socket idle = socket(ATTACKER); // sends nothing; the read below waits (bounded by SO_TIMEOUT) for the close
        Envelope closed = Envelope.parseDelimitedFrom(idle.getInputStream());
        assertThat(closed.getError().getCode()).isEqualTo(ErrorCode.RATE_LIMITED);
        assertThat(closed.getError().getMessage())
                .isEqualTo("connection idle: 300 ms (expected: a request at least every 300 ms)");
        assertThat(idle.getInputStream().read()).isEqualTo(-1);
    }

    /** A TLS connection from {@code from}, whose bytes inside the encryption the test writes itself. */
    private Socket socket(String from) throws IOException {
        Socket plain = new Socket();
        sockets.add(plain);
        plain.bind(new InetSocketAddress(from, 0));
        plain.connect(new InetSocketAddress(server.boundAddress().host(), server.boundAddress().port()), 10_000);
        Socket s = TlsSockets.over(plain, server.boundAddress().host(), server.boundAddress().port());
        s.setSoTimeout(10_000);
        return s;
    }

    private static Envelope call(Socket s, Envelope request) throws IOException {
        request.writeDelimitedTo(s.getOutputStream());
        s.getOutputStream().flush();
        Envelope response = Envelope.parseDelimitedFrom(s.getInputStream());
        assertThat(response).as("response to %d", request.getRequestId()).isNotNull();
        assertThat(response.getRequestId()).isEqualTo(request.getRequestId());
        return response;
    }

    private static Envelope create(long id, String name, String password) {
        return Envelopes.builder(id).setCreateAccount(CreateAccount.newBuilder().setUsername(name).setPassword(password)).build();
    }

    private static Envelope lookup(long id, String name) {
        return Envelopes.builder(id).setAccountLookup(AccountLookup.newBuilder().setUsername(name)).build();
    }

    private Envelope login(long id, String name, String password) {
        return Envelopes.builder(id).setLogin(Login.newBuilder().setUsername(name).setPassword(password)
                .setClientPublicKey(ByteString.copyFrom(clientKey))).build();
    }

    private static Envelope serverKey(long id) {
        return Envelopes.builder(id).setGetServerKey(GetServerKey.getDefaultInstance()).build();
    }
}
