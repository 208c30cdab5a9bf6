package dev.parley.login;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.parley.protocol.Credentials;
import dev.parley.protocol.Ed25519KeyPair;
import dev.parley.protocol.ProtocolException;
import dev.parley.protocol.wire.Credential;
import dev.parley.protocol.wire.ErrorCode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AccountServiceTest {
    @TempDir
    Path dir;

    private final MutableClock clock = new MutableClock(TestSupport.T0);
    private final Ed25519KeyPair serverKey = Ed25519KeyPair.generate(TestSupport.seededRandom(21));
    private final byte[] clientKey = Ed25519KeyPair.generate(TestSupport.seededRandom(22)).publicKey();
    private AccountStore store;
    private AccountService service;

    @BeforeEach
    void open() throws Exception {
        store = AccountStore.open(AccountStore.sqliteUrl(dir.resolve("accounts.db")), 4);
        service = new AccountService(store, new PasswordHasher(TestSupport.CHEAP, TestSupport.seededRandom(23)),
                serverKey, clock, Duration.ofHours(24));
    }

    @AfterEach
    void close() {
        store.close();
    }

    @Test
    void loginIssuesAVerifiableCredentialForTheCanonicalName() throws Exception {
        service.createAccount("Alice", "s3cret-pass");

        Credential credential = service.login("ALICE", "s3cret-pass", clientKey);

        Credentials.verify(serverKey.publicKey(), credential, clock.instant());
        assertThat(credential.getUsername()).isEqualTo("alice");
        assertThat(credential.getPublicKey().toByteArray()).isEqualTo(clientKey);
        assertThat(credential.getIssuedAtMs()).isEqualTo(TestSupport.T0.toEpochMilli());
        assertThat(credential.getExpiresAtMs()).isEqualTo(TestSupport.T0.plus(Duration.ofHours(24)).toEpochMilli());
        assertThat(store.find("alice").orElseThrow().displayName()).isEqualTo("Alice");
    }

    @Test
    void unknownUserAndWrongPasswordAreIndistinguishable() throws Exception {
        service.createAccount("alice", "s3cret-pass");

        ProtocolException wrongPassword = catchThrowableOfType(ProtocolException.class,
                () -> service.login("alice", "S3cret", clientKey));
        ProtocolException unknownUser = catchThrowableOfType(ProtocolException.class,
                () -> service.login("mallory", "s3cret-pass", clientKey));

        assertThat(wrongPassword.code()).isEqualTo(ErrorCode.WRONG_CREDENTIALS);
        assertThat(unknownUser.code()).isEqualTo(ErrorCode.WRONG_CREDENTIALS);
        assertThat(unknownUser.getMessage()).isEqualTo(wrongPassword.getMessage());
    }

    @Test
    void usernamesAreUniqueIgnoringCase() throws Exception {
        service.createAccount("Bob", "pw-123456");

        ProtocolException e = catchThrowableOfType(ProtocolException.class, () -> service.createAccount("bOB", "other-password"));

        assertThat(e.code()).isEqualTo(ErrorCode.USERNAME_TAKEN);
        assertThat(service.login("bob", "pw-123456", clientKey).getUsername()).isEqualTo("bob");
    }

    @Test
    void concurrentCreatesDifferingInCaseLetExactlyOneSucceed() throws Exception {
        String[] names = {"erin", "Erin", "ERIN", "eRIN", "ErIn", "eRiN"};
        ExecutorService pool = Executors.newFixedThreadPool(names.length);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<ErrorCode>> results = new ArrayList<>();
            for (String name : names) {
                results.add(pool.submit(() -> {
                    start.await();
                    try {
                        service.createAccount(name, "password-" + name);
                        return ErrorCode.ERROR_UNSPECIFIED;
                    } catch (ProtocolException e) {
                        return e.code();
                    }
                }));
            }
            start.countDown();
            List<ErrorCode> codes = new ArrayList<>();
            for (Future<ErrorCode> r : results) {
                codes.add(r.get(30, TimeUnit.SECONDS));
            }
            assertThat(codes).containsOnlyOnce(ErrorCode.ERROR_UNSPECIFIED);
            assertThat(codes).filteredOn(c -> c != ErrorCode.ERROR_UNSPECIFIED).containsOnly(ErrorCode.USERNAME_TAKEN);
            assertThat(store.count()).isEqualTo(1);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void rejectsInvalidUsernames() {
        for (String name : new String[] {"ab", "a".repeat(33), "bad name", "bad!", "_leading", ""}) {
            ProtocolException e = catchThrowableOfType(ProtocolException.class, () -> service.createAccount(name, "pw-123456"));
            assertThat(e.code()).as(name).isEqualTo(ErrorCode.INVALID_USERNAME);
        }
    }

    @Test
    void boundsPasswordLength() throws Exception {
        ProtocolException empty = catchThrowableOfType(ProtocolException.class, () -> service.createAccount("frank", ""));
        ProtocolException tooLong = catchThrowableOfType(ProtocolException.class,
                () -> service.createAccount("frank", "x".repeat(AccountService.MAX_PASSWORD_CHARS + 1)));

        assertThat(empty.code()).isEqualTo(ErrorCode.BAD_REQUEST);
        assertThat(tooLong.code()).isEqualTo(ErrorCode.BAD_REQUEST);
        assertThat(tooLong.getMessage()).contains("1025");
        String longest = "é".repeat(AccountService.MAX_PASSWORD_CHARS);
        service.createAccount("frank", longest);
        assertThat(service.login("frank", longest, clientKey).getUsername()).isEqualTo("frank");
    }

    @Test
    void newAccountsNeedAtLeastEightCharacters() throws Exception {
        // The attack: an account whose password falls to a short dictionary run (NIST SP 800-63B: >= 8).
        ProtocolException seven = catchThrowableOfType(ProtocolException.class, () -> service.createAccount("heidi", "1234567"));
        assertThat(seven.code()).isEqualTo(ErrorCode.BAD_REQUEST);
        assertThat(seven.getMessage()).isEqualTo("password: 7 chars (expected: >= 8)");
        // Code points, not UTF-16 units: eight emoji are eight characters.
        service.createAccount("heidi", "\uD83D\uDD11".repeat(8));
    }

    @Test
    void rejectsMalformedClientKeys() throws Exception {
        service.createAccount("grace", "pw-123456");

        ProtocolException shortKey = catchThrowableOfType(ProtocolException.class,
                () -> service.login("grace", "pw-123456", new byte[31]));
        ProtocolException notAPoint = catchThrowableOfType(ProtocolException.class,
                () -> service.login("grace", "pw-123456", TestSupport.invalidEd25519Key()));

        assertThat(shortKey.code()).isEqualTo(ErrorCode.BAD_REQUEST);
        assertThat(shortKey.getMessage()).isEqualTo("client_public_key: 31 bytes (expected: 32)");
        assertThat(notAPoint.code()).isEqualTo(ErrorCode.BAD_REQUEST);
    }
}
