package dev.parley.client;

import com.google.protobuf.ByteString;
import dev.parley.client.call.CallKeys;
import dev.parley.protocol.ControlConnection;
import dev.parley.protocol.Credentials;
import dev.parley.protocol.Ed25519KeyPair;
import dev.parley.protocol.HostPort;
import dev.parley.protocol.ProtocolException;
import dev.parley.protocol.wire.CreateAccount;
import dev.parley.protocol.wire.Credential;
import dev.parley.protocol.wire.AccountLookup;
import dev.parley.protocol.wire.Envelope;
import dev.parley.protocol.wire.ErrorCode;
import dev.parley.protocol.wire.Login;
import dev.parley.protocol.wire.LoginResult;
import dev.parley.protocol.wire.RenewCredential;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.ssl.SslContext;
import java.time.Duration;
import java.time.InstantSource;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/** Talks to the login server: account creation, login (design flow 1) and credential renewal. */
public final class LoginClient {
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);

    private LoginClient() {}

    /**
     * Logs in, optionally creating the account first.
     *
     * @param group event loops for the connection
     * @param server the login server
     * @param tls a TLS client context trusting the login server's pinned key ({@code Tls.client(pin.verifier())})
     * @param username the username (validated by the server)
     * @param password the password
     * @param publicKey the client's raw 32-byte Ed25519 public key, to be certified
     * @param createAccount create the account first; an existing account is not an error
     * @return completes with the login result, or exceptionally with {@link ProtocolException}
     *     (e.g. {@link ErrorCode#WRONG_CREDENTIALS}) or an I/O failure
     */
    public static CompletableFuture<LoginResult> login(EventLoopGroup group, HostPort server, SslContext tls,
            String username, String password, byte[] publicKey, boolean createAccount) {
        return login(group, server, tls, username, password, publicKey, new byte[0], createAccount);
    }

    /**
     * As {@link #login(EventLoopGroup, HostPort, SslContext, String, String, byte[], boolean)}, asking
     * the login server to certify {@code encryptionKey} too (a v2 credential: needed for calls).
     *
     * @param encryptionKey the raw 32-byte X25519 key call signals to this user are sealed to
     *     ({@link CallKeys#encryptionKey}); empty for none
     */
    public static CompletableFuture<LoginResult> login(EventLoopGroup group, HostPort server, SslContext tls,
            String username, String password, byte[] publicKey, byte[] encryptionKey, boolean createAccount) {
        return ControlConnection.connect(group, server, tls, push -> { }, CONNECT_TIMEOUT).thenCompose(conn -> {
            CompletableFuture<Void> created = createAccount
                    ? conn.request(Envelope.newBuilder().setCreateAccount(
                            CreateAccount.newBuilder().setUsername(username).setPassword(password)))
                            .handle((ok, e) -> {
                                Throwable cause = e instanceof CompletionException ? e.getCause() : e;
                                if (cause == null || cause instanceof ProtocolException pe && pe.code() == ErrorCode.USERNAME_TAKEN) {
                                    return null; // created, or already there: log in
                                }
                                throw new CompletionException(cause);
                            })
                    : CompletableFuture.completedFuture(null);
            return created.thenCompose(x -> conn.request(Envelope.newBuilder().setLogin(Login.newBuilder()
                            .setUsername(username).setPassword(password)
                            .setClientPublicKey(ByteString.copyFrom(publicKey))
                            .setClientEncryptionKey(ByteString.copyFrom(encryptionKey)))))
                    .thenApply(Envelope::getLoginResult)
                    .whenComplete((r, e) -> conn.close());
        });
    }

    /**
     * Renews a credential without the password: {@code RenewCredential} signed by the key the
     * credential certifies, at {@code clock}'s time.
     *
     * @param tls a TLS client context trusting the login server's pinned key
     * @param credential the current credential (not yet expired)
     * @param identity the key pair it certifies
     * @return completes with a {@code LoginResult} holding the new credential, or exceptionally with
     *     {@link ProtocolException} (e.g. {@link ErrorCode#ACCOUNT_DISABLED}) or an I/O failure
     */
    public static CompletableFuture<LoginResult> renew(EventLoopGroup group, HostPort server, SslContext tls,
            Credential credential, Ed25519KeyPair identity, InstantSource clock) {
        long signedAt = clock.millis();
        // Always asks for the key derived from the identity: a v1 credential migrates at its renewal.
        byte[] encryptionKey = CallKeys.encryptionKey(identity).publicKey();
        RenewCredential.Builder renew = RenewCredential.newBuilder().setCredential(credential).setSignedAtMs(signedAt)
                .setEncryptionKey(ByteString.copyFrom(encryptionKey))
                .setSignature(ByteString.copyFrom(identity.sign(Credentials.renewInput(credential, signedAt, encryptionKey))));
        return ControlConnection.connect(group, server, tls, push -> { }, CONNECT_TIMEOUT).thenCompose(conn -> conn
                .request(Envelope.newBuilder().setRenewCredential(renew))
                .thenApply(Envelope::getLoginResult)
                .whenComplete((r, e) -> conn.close()));
    }

    /**
     * Asks the login server whether an account of this name exists (as {@code CreateAccount} would
     * tell; rate-limited like it).
     *
     * @param tls a TLS client context trusting the login server's pinned key
     * @return completes with the answer, or exceptionally with {@link ProtocolException}
     *     ({@code INVALID_USERNAME}, {@code RATE_LIMITED}) or an I/O failure
     */
    public static CompletableFuture<Boolean> accountExists(EventLoopGroup group, HostPort server, SslContext tls, String username) {
        return ControlConnection.connect(group, server, tls, push -> { }, CONNECT_TIMEOUT).thenCompose(conn -> conn
                .request(Envelope.newBuilder().setAccountLookup(AccountLookup.newBuilder().setUsername(username)))
                .thenApply(env -> env.getAccountLookupResult().getExists())
                .whenComplete((r, e) -> conn.close()));
    }
}
