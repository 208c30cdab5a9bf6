package dev.parley.protocol.tls;

import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.security.spec.X509EncodedKeySpec;
import java.util.HexFormat;

/** Raw 32-byte Ed25519 public keys in and out of X.509 SubjectPublicKeyInfo (RFC 8410 §4). */
final class Ed25519Keys {
    /** SubjectPublicKeyInfo header: algorithm id-Ed25519 (1.3.101.112), BIT STRING of 33 bytes (no unused bits). */
    private static final byte[] SPKI_PREFIX = HexFormat.of().parseHex("302a300506032b6570032100");
    static final int KEY_BYTES = Rfc8410.KEY_BYTES;

    private Ed25519Keys() {}

    static PublicKey jcaPublicKey(byte[] raw) {
        byte[] der = Rfc8410.wrap(SPKI_PREFIX, raw);
        try {
            return KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(der));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK has no Ed25519 (expected since Java 15)", e);
        }
    }

    /**
     * @return the raw key of an Ed25519 certificate
     * @throws CertificateException if the certificate's key is not an Ed25519 key
     */
    static byte[] rawKey(X509Certificate certificate) throws CertificateException {
        byte[] raw = Rfc8410.unwrap(certificate.getPublicKey().getEncoded(), SPKI_PREFIX);
        if (raw == null) {
            throw new CertificateException("certificate key: " + certificate.getPublicKey().getAlgorithm()
                    + " (expected: Ed25519)");
        }
        return raw;
    }
}
