package dev.parley.protocol.tls;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateException;
import java.util.HexFormat;

/**
 * Decides whether the Ed25519 key a TLS server presented is the one this side expects: the root of
 * trust is a pinned key, not a certificate authority.
 */
@FunctionalInterface
public interface KeyVerifier {
    /**
     * @param presented the raw 32-byte Ed25519 key in the server's certificate
     * @throws CertificateException to refuse the server (the handshake fails with this message)
     */
    void verify(byte[] presented) throws CertificateException;

    /**
     * Accepts any key: the link is encrypted but the server is not authenticated by TLS (used until
     * the server proves itself otherwise, e.g. a super node before certified super nodes exist).
     */
    static KeyVerifier anyKey() {
        return presented -> { };
    }

    /**
     * @param pinned the raw 32-byte key expected
     * @param what names the server in the error, e.g. "login server"
     * @return a verifier that accepts only {@code pinned}
     */
    static KeyVerifier pinned(byte[] pinned, String what) {
        byte[] expected = pinned.clone();
        return presented -> {
            if (!MessageDigest.isEqual(expected, presented)) {
                throw new CertificateException(String.format("%s key changed: it presented %s, but %s is pinned; "
                        + "if the operator replaced the key on purpose, remove the pin and connect again",
                        what, fingerprint(presented), fingerprint(expected)));
            }
        };
    }

    /** @return the key's fingerprint as people compare it: SHA-256 of the raw key, first 16 bytes in hex, grouped by 4 */
    static String fingerprint(byte[] rawKey) {
        try {
            String hex = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(rawKey), 0, 16);
            return String.join(":", hex.split("(?<=\\G.{8})"));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
