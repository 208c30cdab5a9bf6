package dev.parley.protocol.tls;

import dev.parley.protocol.AtomicFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;

/**
 * The pinned key of the login server, the one root of trust (trust on first use, as SSH does): the
 * first key seen is stored in a pin file in the data dir; from then on only that key is accepted,
 * and a changed key is refused with a clear error, never silently accepted. An operator can pin
 * the key before the first connection by its {@link KeyVerifier#fingerprint fingerprint}
 * ({@code --login-key}).
 *
 * <p>File format: the raw 32-byte key in hex, one line.
 */
public final class KeyPin {
    private final @Nullable Path file;
    private final String what;
    private final byte @Nullable [] pinned;
    private final @Nullable String fingerprint;
    private final AtomicReference<byte[]> firstSeen = new AtomicReference<>();

    private KeyPin(@Nullable Path file, String what, byte @Nullable [] pinned, @Nullable String fingerprint) {
        this.file = file;
        this.what = what;
        this.pinned = pinned;
        this.fingerprint = fingerprint;
    }

    /**
     * @param what names the server in errors
     * @return a pin kept in memory only: the first key seen, for this process's lifetime (benchmarks)
     */
    public static KeyPin inMemory(String what) {
        return new KeyPin(null, what, null, null);
    }

    /**
     * @param file the pin file (read now if it exists)
     * @param what names the server in errors, e.g. "login server"
     * @param fingerprint the key's fingerprint given by the operator, or null for trust on first use
     * @return the pin
     * @throws IOException if the pin file exists but cannot be read or holds no key, or the
     *     fingerprint disagrees with the pinned key
     */
    public static KeyPin open(Path file, String what, @Nullable String fingerprint) throws IOException {
        byte[] pinned = null;
        if (Files.exists(file)) {
            String hex = Files.readString(file, StandardCharsets.US_ASCII).strip();
            try {
                pinned = HexFormat.of().parseHex(hex);
            } catch (IllegalArgumentException e) {
                pinned = new byte[0];
            }
            if (pinned.length != Ed25519Keys.KEY_BYTES) {
                throw new IOException(String.format("%s: not a pinned key (expected: %d bytes in hex)", file,
                        Ed25519Keys.KEY_BYTES));
            }
        }
        String normalized = fingerprint == null ? null : normalize(fingerprint);
        if (pinned != null && normalized != null && !normalized.equals(normalize(KeyVerifier.fingerprint(pinned)))) {
            throw new IOException(String.format("--login-key %s does not match the %s key pinned in %s (%s)", fingerprint,
                    what, file, KeyVerifier.fingerprint(pinned)));
        }
        return new KeyPin(file, what, pinned, normalized);
    }

    private static String normalize(String fingerprint) {
        return fingerprint.replace(":", "").strip().toLowerCase(Locale.ROOT);
    }

    /** @return a verifier for TLS: the pinned key, or the operator's fingerprint, or (first use) any key, remembered */
    public KeyVerifier verifier() {
        if (pinned != null) {
            return KeyVerifier.pinned(pinned, what);
        }
        return presented -> {
            if (fingerprint != null && !fingerprint.equals(normalize(KeyVerifier.fingerprint(presented)))) {
                throw new CertificateException(String.format("%s key %s does not match --login-key %s", what,
                        KeyVerifier.fingerprint(presented), fingerprint));
            }
            if (!firstSeen.compareAndSet(null, presented.clone())) {
                KeyVerifier.pinned(firstSeen.get(), what).verify(presented); // first use is once
            }
        };
    }

    /** @return the pinned key, or the first key seen on first use; null before any connection */
    public byte @Nullable [] key() {
        return pinned != null ? pinned.clone() : firstSeen.get() == null ? null : firstSeen.get().clone();
    }

    /**
     * Checks a key the server sent inside the connection (its signing key) against the TLS-pinned
     * one: they are the same key, or the server is not who it claims.
     *
     * @throws CertificateException if they differ
     */
    public void checkSameKey(byte[] inBand) throws CertificateException {
        byte[] k = key();
        if (k == null) {
            throw new CertificateException(what + " key unknown: no TLS connection yet");
        }
        KeyVerifier.pinned(k, what).verify(inBand);
    }

    /**
     * After the first successful exchange: stores the key seen ({@link AtomicFiles#write}: fsynced,
     * atomic, owner-only). Blocking: call it off network event loops. Nothing to do when
     * the key was pinned already.
     *
     * @throws IOException if the pin cannot be written
     */
    public void commit() throws IOException {
        byte[] seen = firstSeen.get();
        Path target = file;
        if (target == null || pinned != null || seen == null || Files.exists(target)) {
            return;
        }
        AtomicFiles.write(target, (HexFormat.of().formatHex(seen) + "\n").getBytes(StandardCharsets.US_ASCII));
    }

    /** @return where the pin is kept, for messages */
    public String where() {
        return file == null ? "memory" : file.toString();
    }
}
