package dev.parley.app;

import dev.parley.protocol.Ed25519KeyPair;
import dev.parley.protocol.HostPort;
import dev.parley.protocol.tls.KeyPin;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Option;

/** What every {@code parley admin} command that talks to the login server needs: where, which key, which pin. */
final class AdminOptions {
    @Option(names = "--login", paramLabel = "HOST:PORT", converter = HostPortConverter.class,
            defaultValue = "127.0.0.1:7000", description = "The login server (default: ${DEFAULT-VALUE}).")
    HostPort login;

    @Option(names = "--key", paramLabel = "FILE", defaultValue = "parley-data/admin.key",
            description = "The admin key (from `parley admin keygen`; default: ${DEFAULT-VALUE}).")
    Path key;

    @Option(names = "--login-key", paramLabel = "FINGERPRINT",
            description = "The login server key's fingerprint, as it prints at start: pins it before the first connection.")
    @Nullable String loginKey;

    @Option(names = "--pin", paramLabel = "FILE",
            description = "Where the login server's key is pinned (trust on first use; default: KEY_FILE.login-server.pin).")
    @Nullable Path pin;

    /**
     * @return a connection to the login server, authenticated as the admin key
     * @throws IOException if the key cannot be read, the pin disagrees, or the server cannot be reached
     */
    AdminClient connect() throws IOException {
        if (!Files.exists(key)) {
            throw new IOException(key + ": no admin key (expected: `parley admin keygen --key " + key + "` first)");
        }
        byte[] seed = Files.readAllBytes(key);
        if (seed.length != Ed25519KeyPair.KEY_BYTES) {
            throw new IOException(String.format("%s: %d bytes (expected: a %d-byte Ed25519 seed from parley admin keygen)",
                    key, seed.length, Ed25519KeyPair.KEY_BYTES));
        }
        Path pinFile = pin != null ? pin : key.resolveSibling(key.getFileName() + ".login-server.pin");
        KeyPin loginPin = KeyPin.open(pinFile, "login server", loginKey);
        return AdminClient.connect(login, loginPin, Ed25519KeyPair.fromSeed(seed));
    }
}
