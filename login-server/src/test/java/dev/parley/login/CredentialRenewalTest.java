package dev.parley.login;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.protobuf.ByteString;
import dev.parley.protocol.Credentials;
import dev.parley.protocol.Ed25519KeyPair;
import dev.parley.protocol.ProtocolException;
import dev.parley.protocol.X25519KeyPair;
import dev.parley.protocol.wire.Credential;
import dev.parley.protocol.wire.ErrorCode;
import dev.parley.protocol.wire.RenewCredential;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Renewal without the password ({@link AccountService#renew}), account disable and password change, on an injected clock. */
class CredentialRenewalTest {
    private static final Duration LIFETIME = Duration.ofHours(1);

    @TempDir
    Path dir;

    private final MutableClock clock = new MutableClock(TestSupport.T0);
    private final Ed25519KeyPair serverKey = Ed25519KeyPair.generate(TestSupport.seededRandom(31));
    private final Ed25519KeyPair client = Ed25519KeyPair.generate(TestSupport.seededRandom(32));
    private final Ed25519KeyPair attacker = Ed25519KeyPair.generate(TestSupport.seededRandom(33));
    private AccountStore store;
    private AccountService service;

    @BeforeEach
    void open() throws Exception {
        store = AccountStore.open(AccountStore.sqliteUrl(dir.resolve("accounts.db")), 2);
        service = new AccountService(store, new PasswordHasher(TestSupport.CHEAP, TestSupport.seededRandom(34)),
                serverKey, clock, LIFETIME);
        service.createAccount("alice", "s3cret-pass");
    }

    @AfterEach
    void close() {
        store.close();
    }

    private RenewCredential renewal(Credential credential, Ed25519KeyPair signer) {
        long at = clock.instant().toEpochMilli();
        return RenewCredential.newBuilder().setCredential(credential).setSignedAtMs(at)
                .setSignature(ByteString.copyFrom(signer.sign(Credentials.renewInput(credential, at)))).build();
    }

    private ProtocolException refusal(RenewCredential request) {
        return catchThrowableOfType(ProtocolException.class, () -> service.renew(request));
    }

    @Test
    void renewsForTheSameUserAndKeyWithAFreshLifetime() throws Exception {
        Credential first = service.login("alice", "s3cret-pass", client.publicKey());
        clock.advance(LIFETIME.multipliedBy(3).dividedBy(4));

        Credential renewed = service.renew(renewal(first, client));

        Credentials.verify(serverKey.publicKey(), renewed, clock.instant());
        assertThat(renewed.getUsername()).isEqualTo("alice");
        assertThat(renewed.getPublicKey()).isEqualTo(first.getPublicKey());
        assertThat(renewed.getIssuedAtMs()).isEqualTo(clock.instant().toEpochMilli());
        assertThat(renewed.getExpiresAtMs()).isEqualTo(clock.instant().plus(LIFETIME).toEpochMilli());
        // A renewed credential renews again: a client stays online for many lifetimes.
        clock.advance(LIFETIME.multipliedBy(3).dividedBy(4));
        assertThat(service.renew(renewal(renewed, client)).getExpiresAtMs()).isGreaterThan(renewed.getExpiresAtMs());
    }

    @Test
    void aStolenCredentialWithoutTheClientsKeyIsNotRenewed() throws Exception {
        Credential first = service.login("alice", "s3cret-pass", client.publicKey());

        ProtocolException e = refusal(renewal(first, attacker));

        assertThat(e.code()).isEqualTo(ErrorCode.INVALID_CREDENTIAL);
        assertThat(e.getMessage()).contains("renewal signature does not verify");
    }

    @Test
    void aReplayedRenewalOutsideTheClockSkewIsRefused() throws Exception {
        Credential first = service.login("alice", "s3cret-pass", client.publicKey());
        RenewCredential recorded = renewal(first, client);
        clock.advance(Credentials.CLOCK_SKEW.plusSeconds(1));

        ProtocolException e = refusal(recorded);

        assertThat(e.code()).isEqualTo(ErrorCode.INVALID_CREDENTIAL);
        assertThat(e.getMessage()).contains("renewal signed_at_ms");
    }

    @Test
    void anExpiredCredentialIsNotRenewed() throws Exception {
        Credential first = service.login("alice", "s3cret-pass", client.publicKey());
        clock.advance(LIFETIME.plus(Credentials.CLOCK_SKEW).plusSeconds(1));

        assertThat(refusal(renewal(first, client)).code()).isEqualTo(ErrorCode.EXPIRED_CREDENTIAL);
    }

    @Test
    void aForgedCredentialIsNotRenewed() throws Exception {
        Ed25519KeyPair otherServer = Ed25519KeyPair.generate(TestSupport.seededRandom(35));
        Credential forged = Credentials.issue(otherServer, "alice", attacker.publicKey(), clock.instant(), LIFETIME);

        ProtocolException e = refusal(renewal(forged, attacker));

        assertThat(e.code()).isEqualTo(ErrorCode.INVALID_CREDENTIAL);
        assertThat(e.getMessage()).contains("login server's key");
    }

    @Test
    void aDisabledAccountIsNeitherRenewedNorLoggedInUntilEnabledAgain() throws Exception {
        Credential first = service.login("alice", "s3cret-pass", client.publicKey());
        service.setDisabled("Alice", true);

        ProtocolException renew = refusal(renewal(first, client));
        ProtocolException login = catchThrowableOfType(ProtocolException.class,
                () -> service.login("alice", "s3cret-pass", client.publicKey()));

        assertThat(renew.code()).isEqualTo(ErrorCode.ACCOUNT_DISABLED);
        assertThat(renew.getMessage()).isEqualTo("account 'alice' is disabled");
        assertThat(login.code()).isEqualTo(ErrorCode.ACCOUNT_DISABLED);
        service.setDisabled("alice", false);
        assertThat(service.renew(renewal(first, client)).getUsername()).isEqualTo("alice");
    }

    @Test
    void aDisabledAccountStillGetsWrongCredentialsForAWrongPassword() throws Exception {
        service.setDisabled("alice", true);

        ProtocolException e = catchThrowableOfType(ProtocolException.class,
                () -> service.login("alice", "guess-guess", client.publicKey()));

        assertThat(e.code()).as("disabled is only told to whoever knows the password").isEqualTo(ErrorCode.WRONG_CREDENTIALS);
    }

    @Test
    void aPasswordChangeRevokesEarlierCredentialsButNotLaterOnes() throws Exception {
        Credential before = service.login("alice", "s3cret-pass", client.publicKey());
        service.changePassword("alice", "n3w-password"); // same millisecond as the login

        ProtocolException e = refusal(renewal(before, client));
        Credential after = service.login("alice", "n3w-password", client.publicKey());

        assertThat(e.code()).isEqualTo(ErrorCode.INVALID_CREDENTIAL);
        assertThat(e.getMessage()).contains("password changed");
        assertThat(catchThrowableOfType(ProtocolException.class,
                () -> service.login("alice", "s3cret-pass", client.publicKey())).code()).isEqualTo(ErrorCode.WRONG_CREDENTIALS);
        assertThat(service.renew(renewal(after, client)).getUsername()).isEqualTo("alice");
    }

    @Test
    void aDeletedAccountsCredentialIsNotRenewed() throws Exception {
        Credential ghost = Credentials.issue(serverKey, "ghost", client.publicKey(), clock.instant(), LIFETIME);

        ProtocolException e = refusal(renewal(ghost, client));

        assertThat(e.code()).isEqualTo(ErrorCode.INVALID_CREDENTIAL);
        assertThat(e.getMessage()).contains("no longer exists");
    }

    @Test
    void disablingAnUnknownAccountIsAnError() {
        ProtocolException e = catchThrowableOfType(ProtocolException.class, () -> service.setDisabled("nobody", true));

        assertThat(e.code()).isEqualTo(ErrorCode.USER_NOT_FOUND);
    }

    @Test
    void aV1CredentialMigratesToACertifiedEncryptionKeyAndRenewalsKeepIt() throws Exception {
        byte[] box = X25519KeyPair.derive(client, Credentials.ENCRYPTION_KEY_LABEL).publicKey();
        Credential v1 = service.login("alice", "s3cret-pass", client.publicKey());
        long at = clock.instant().toEpochMilli();
        Credential v2 = service.renew(RenewCredential.newBuilder().setCredential(v1).setSignedAtMs(at)
                .setEncryptionKey(ByteString.copyFrom(box))
                .setSignature(ByteString.copyFrom(client.sign(Credentials.renewInput(v1, at, box)))).build());
        Credentials.verify(serverKey.publicKey(), v2, clock.instant());
        assertThat(Credentials.encryptionKey(v2)).isEqualTo(box);

        Credential again = service.renew(renewal(v2, client)); // no key asked for: the certified one stays
        assertThat(Credentials.encryptionKey(again)).isEqualTo(box);
    }

    @Test
    void aRenewalCannotSlipInAnUnsignedEncryptionKey() throws Exception {
        Credential v1 = service.login("alice", "s3cret-pass", client.publicKey());
        byte[] attackers = X25519KeyPair.derive(attacker, Credentials.ENCRYPTION_KEY_LABEL).publicKey();
        RenewCredential slipped = renewal(v1, client).toBuilder().setEncryptionKey(ByteString.copyFrom(attackers)).build();
        assertThat(refusal(slipped).code()).isEqualTo(ErrorCode.INVALID_CREDENTIAL);
    }

    @Test
    void loginCertifiesTheEncryptionKeyAndRefusesALowOrderOne() throws Exception {
        byte[] box = X25519KeyPair.derive(client, Credentials.ENCRYPTION_KEY_LABEL).publicKey();
        Credential v2 = service.login("alice", "s3cret-pass", client.publicKey(), box);
        assertThat(Credentials.encryptionKey(v2)).isEqualTo(box);
        ProtocolException lowOrder = catchThrowableOfType(ProtocolException.class,
                () -> service.login("alice", "s3cret-pass", client.publicKey(), new byte[32]));
        assertThat(lowOrder.code()).isEqualTo(ErrorCode.BAD_REQUEST);
    }
}
