package dev.parley.app;

import com.google.protobuf.ByteString;
import dev.parley.protocol.AdminRequests;
import dev.parley.protocol.ControlConnection;
import dev.parley.protocol.Ed25519KeyPair;
import dev.parley.protocol.Futures;
import dev.parley.protocol.HostPort;
import dev.parley.protocol.ProtocolException;
import dev.parley.protocol.tls.ChannelBinding;
import dev.parley.protocol.tls.KeyPin;
import dev.parley.protocol.tls.Tls;
import dev.parley.protocol.wire.AdminCommand;
import dev.parley.protocol.wire.AdminHello;
import dev.parley.protocol.wire.AdminResponse;
import dev.parley.protocol.wire.Envelope;
import dev.parley.protocol.wire.ErrorCode;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;

/**
 * An administrator's connection to a running login server (docs/protocol.md "Administration"):
 * TLS to the pinned login-server key, then per command {@code AdminHello} → {@code AdminChallenge}
 * (skipped while the last response carried the next nonce) and an {@code AdminRequest} signed by
 * the admin key over the nonce, the server key, the TLS exporter and the command.
 *
 * <p>Blocking; one command at a time. Not thread-safe.
 */
final class AdminClient implements AutoCloseable {
    /** How long one request may take (a password reset runs Argon2id; an online list asks a super node). */
    static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(15);
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);

    private final EventLoopGroup group;
    private final ControlConnection connection;
    private final KeyPin pin;
    private final Ed25519KeyPair adminKey;
    private final byte[] serverKey;
    private final byte @Nullable [] exporter;
    private byte @Nullable [] nonce;

    private AdminClient(EventLoopGroup group, ControlConnection connection, KeyPin pin, Ed25519KeyPair adminKey,
            byte[] serverKey) {
        this.group = group;
        this.connection = connection;
        this.pin = pin;
        this.adminKey = adminKey;
        this.serverKey = serverKey;
        this.exporter = ChannelBinding.exporter(connection.channel());
    }

    /**
     * Connects over TLS, accepting only the pinned key (or, on first use, the fingerprint given or any key).
     *
     * @throws IOException if the login server cannot be reached or presents another key
     */
    static AdminClient connect(HostPort login, KeyPin pin, Ed25519KeyPair adminKey) throws IOException {
        EventLoopGroup group = new NioEventLoopGroup(1, new DefaultThreadFactory("admin-io"));
        try {
            ControlConnection c = await(ControlConnection.connect(group, login, Tls.client(pin.verifier()), push -> { },
                    CONNECT_TIMEOUT), CONNECT_TIMEOUT.plusSeconds(10));
            byte[] key = pin.key();
            if (key == null) {
                throw new IOException("login server " + login + ": no key after the TLS handshake");
            }
            return new AdminClient(group, c, pin, adminKey, key);
        } catch (IOException | RuntimeException e) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw e;
        } catch (ProtocolException e) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw new IOException(e.getMessage(), e);
        }
    }

    /**
     * Sends one signed command.
     *
     * @return the response
     * @throws ProtocolException the login server's refusal (NOT_AUTHORIZED: the key is not an admin
     *     key; USER_NOT_FOUND, BAD_REQUEST, ...)
     * @throws IOException if the connection fails or the server does not answer in time
     */
    AdminResponse call(AdminCommand command) throws ProtocolException, IOException {
        byte[] challenge = nonce;
        nonce = null;
        if (challenge == null) {
            Envelope hello = await(connection.request(Envelope.newBuilder().setAdminHello(
                    AdminHello.newBuilder().setAdminKey(ByteString.copyFrom(adminKey.publicKey()))), REQUEST_TIMEOUT),
                    REQUEST_TIMEOUT);
            challenge = hello.getAdminChallenge().getNonce().toByteArray();
            if (challenge.length != AdminRequests.NONCE_BYTES) {
                throw new ProtocolException(ErrorCode.BAD_REQUEST, String.format(
                        "admin challenge: %d bytes (expected: %d)", challenge.length, AdminRequests.NONCE_BYTES));
            }
        }
        Envelope response = await(connection.request(Envelope.newBuilder().setAdminRequest(
                AdminRequests.sign(adminKey, challenge, serverKey, exporter, command)), REQUEST_TIMEOUT), REQUEST_TIMEOUT);
        if (!response.hasAdminResponse()) {
            throw new ProtocolException(ErrorCode.BAD_REQUEST, "admin request answered with " + response.getBodyCase());
        }
        pin.commit(); // an authenticated answer from this key: keep it pinned (trust on first use)
        byte[] next = response.getAdminResponse().getNextNonce().toByteArray();
        nonce = next.length == AdminRequests.NONCE_BYTES ? next : null;
        return response.getAdminResponse();
    }

    private static <T> T await(CompletableFuture<T> f, Duration timeout)
            throws IOException, ProtocolException {
        try {
            return f.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        } catch (TimeoutException e) {
            throw new IOException("no answer within " + timeout.toMillis() + " ms", e);
        } catch (ExecutionException e) {
            Throwable cause = Futures.unwrap(e);
            if (cause instanceof ProtocolException pe) {
                throw pe;
            }
            if (cause instanceof IOException io) {
                throw io;
            }
            throw new IOException(cause.getMessage(), cause);
        }
    }

    @Override
    public void close() {
        connection.close();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
