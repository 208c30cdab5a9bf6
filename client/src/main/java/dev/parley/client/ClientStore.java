package dev.parley.client;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.parley.protocol.AtomicFiles;
import dev.parley.protocol.Ed25519KeyPair;
import dev.parley.protocol.tls.KeyPin;
import dev.parley.protocol.wire.LoginResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.InstantSource;
import java.util.Optional;
import java.util.concurrent.Executor;
import org.jspecify.annotations.Nullable;

/**
 * A client's data directory.
 *
 * <pre>
 * DIR/identity.key     raw 32-byte Ed25519 seed of the client's key pair (owner-only)
 * DIR/login.pb         last LoginResult (credential, super nodes, login server key), protobuf
 * DIR/hostcache.txt    host cache, one "HOST:PORT successes failures rttMs lastSeenMs" per line
 * DIR/contacts.txt     contacts' identity keys, remembered after the first call: "USERNAME HEX-KEY" per line
 * </pre>
 */
public final class ClientStore {
    private final Path dir;

    /** @param dir the data directory (created when needed) */
    public ClientStore(Path dir) {
        this.dir = dir;
    }

    /** @return the directory */
    public Path dir() {
        return dir;
    }

    /**
     * @return the client's key pair, created on first use
     * @throws IOException if the key file cannot be read or written
     */
    public Ed25519KeyPair identity() throws IOException {
        return Ed25519KeyPair.loadOrCreate(dir.resolve("identity.key"), new SecureRandom());
    }

    /**
     * Stores a login result (credential and login server key), atomically, fsynced and owner-only.
     *
     * @throws IOException if it cannot be written
     */
    public void saveLogin(LoginResult result) throws IOException {
        AtomicFiles.write(dir.resolve("login.pb"), result.toByteArray());
    }

    /**
     * @return the last stored login result, if any and readable
     * @throws IOException if the file exists but cannot be read
     */
    public Optional<LoginResult> loadLogin() throws IOException {
        Path file = dir.resolve("login.pb");
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        try {
            return Optional.of(LoginResult.parseFrom(Files.readAllBytes(file)));
        } catch (InvalidProtocolBufferException e) {
            return Optional.empty(); // corrupt: log in again
        }
    }

    /**
     * @param fingerprint the login server key's fingerprint given by the user, or null (trust on first use)
     * @return the pin of the login server's key ({@code login-key.pin}; docs/security.md)
     * @throws IOException if the pin file is unreadable or disagrees with {@code fingerprint}
     */
    public KeyPin loginKeyPin(@Nullable String fingerprint) throws IOException {
        return KeyPin.open(dir.resolve("login-key.pin"), "login server", fingerprint);
    }

    /**
     * @param disk where its writes run (off the call engine's thread)
     * @return the remembered identity keys of contacts
     * @throws IOException if the file exists but cannot be read
     */
    ContactKeys contactKeys(Executor disk) throws IOException {
        return ContactKeys.load(dir.resolve("contacts.txt"), disk);
    }

    /**
     * @return the host cache
     * @throws IOException if it cannot be read
     */
    public HostCache hostCache() throws IOException {
        return hostCache(InstantSource.system());
    }

    /**
     * @param clock time for the cache's last-seen stamps
     * @return the host cache
     * @throws IOException if it cannot be read
     */
    public HostCache hostCache(InstantSource clock) throws IOException {
        return HostCache.load(dir.resolve("hostcache.txt"), HostCache.DEFAULT_CAPACITY, clock);
    }
}
