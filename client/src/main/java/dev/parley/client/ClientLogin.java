package dev.parley.client;

import dev.parley.client.call.CallKeys;
import dev.parley.protocol.Ed25519KeyPair;
import dev.parley.protocol.Futures;
import dev.parley.protocol.ProtocolException;
import dev.parley.protocol.tls.HandshakeFailedException;
import dev.parley.protocol.tls.KeyPin;
import dev.parley.protocol.tls.Tls;
import dev.parley.protocol.wire.LoginResult;
import io.netty.channel.EventLoopGroup;
import java.io.IOException;
import java.security.cert.CertificateException;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client's login at start (design flow 1): over TLS to the pinned login server key, the key
 * pinned on first use; with the login server unreachable, a stored unexpired credential; with a
 * changed key, a refusal and no fallback. With several login servers, each is tried in order before
 * the stored credential ({@link LoginServers}).
 */
final class ClientLogin {
    private static final Logger log = LoggerFactory.getLogger(ClientLogin.class);

    private ClientLogin() {}

    /**
     * @return the login result (fresh, or the stored one when the login server is unreachable)
     * @throws HandshakeFailedException the login server presented another key than the pinned one
     * @throws ProtocolException a refusal (wrong password, …)
     * @throws IOException unreachable and nothing usable stored
     */
    static LoginResult login(EventLoopGroup io, ClientStore store, ClientOptions o, Ed25519KeyPair identity)
            throws ProtocolException, IOException {
        KeyPin pin = store.loginKeyPin(o.loginKey());
        try {
            // Several login servers (one database, one key) are tried in order: docs/operations.md "Scale-out".
            LoginResult result = await(LoginServers.inOrder(o.logins(), server -> LoginClient.login(io, server,
                    Tls.client(pin.verifier()), o.username(), o.password(), identity.publicKey(),
                    CallKeys.encryptionKey(identity).publicKey(), o.createAccount())));
            try {
                pin.checkSameKey(result.getServerPublicKey().toByteArray());
            } catch (CertificateException e) {
                throw new HandshakeFailedException("login server " + o.logins() + ": " + e.getMessage(), e);
            }
            pin.commit();
            store.saveLogin(result);
            return result;
        } catch (HandshakeFailedException e) {
            throw e; // a changed key: the server may be an impostor, so no fallback to the stored credential
        } catch (IOException e) {
            // Login server unreachable: a stored, unexpired credential still lets us join the overlay.
            var stored = store.loadLogin();
            Instant now = o.clock().instant();
            if (stored.isPresent() && stored.get().getCredential().getExpiresAtMs() > now.toEpochMilli()
                    && stored.get().getCredential().getUsername().equalsIgnoreCase(o.username())) {
                log.warn("login server {} unreachable ({}); using the stored credential", o.logins(), e.getMessage());
                return stored.get();
            }
            throw e;
        }
    }


    /** Waits for a future, unwrapping protocol and I/O failures. */
    static <T> T await(CompletableFuture<T> f) throws ProtocolException, IOException {
        try {
            return f.get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        } catch (TimeoutException e) {
            throw new IOException("timed out", e);
        } catch (ExecutionException e) {
            Throwable c = Futures.unwrap(e);
            if (c instanceof ProtocolException pe) {
                throw pe;
            }
            if (c instanceof IOException io) {
                throw io;
            }
            throw new IOException(c.getMessage(), c);
        }
    }
}
