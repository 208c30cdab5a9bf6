package dev.parley.protocol.tls;

import dev.parley.protocol.Ed25519KeyPair;
import java.math.BigInteger;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A TLS server's identity: its Ed25519 key and a self-signed X.509 certificate for it (RFC 8410).
 * Nobody trusts the certificate for its signer: peers check the key inside it against the key they
 * pinned ({@link KeyVerifier}), so the certificate is only the TLS carrier of that key and its
 * validity is long.
 */
public final class TlsIdentity {
    private static final Duration VALIDITY = Duration.ofDays(3650);

    private final PrivateKey privateKey;
    private final X509Certificate certificate;
    private final byte[] publicKey;

    private TlsIdentity(PrivateKey privateKey, X509Certificate certificate, byte[] publicKey) {
        this.privateKey = privateKey;
        this.certificate = certificate;
        this.publicKey = publicKey;
    }

    /**
     * @param key the server's Ed25519 key (the login server's signing key, a super node's node key)
     * @param name the certificate's common name, e.g. "parley login server"
     * @param now start of validity (an hour earlier, for peers whose clock is behind)
     * @return the identity
     * @throws IllegalStateException if the JDK cannot sign with Ed25519
     */
    public static TlsIdentity of(Ed25519KeyPair key, String name, Instant now) {
        PrivateKey privateKey = key.toJcaPrivateKey();
        byte[] publicKey = key.publicKey();
        try {
            X500Name subject = new X500Name("CN=" + name.replaceAll("[,=+<>#;\"\\\\]", " "));
            X509CertificateHolder holder = new JcaX509v3CertificateBuilder(subject, new BigInteger(1, publicKey, 0, 16),
                    Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(VALIDITY)), subject,
                    Ed25519Keys.jcaPublicKey(publicKey))
                    .build(new JcaContentSignerBuilder("Ed25519").build(privateKey));
            return new TlsIdentity(privateKey, new JcaX509CertificateConverter().getCertificate(holder), publicKey);
        } catch (OperatorCreationException | CertificateException e) {
            throw new IllegalStateException("cannot make a self-signed Ed25519 certificate", e);
        }
    }

    /** @return the private key, for the TLS server */
    PrivateKey privateKey() {
        return privateKey;
    }

    /** @return the certificate carrying the public key */
    X509Certificate certificate() {
        return certificate;
    }

    /** @return a copy of the raw 32-byte Ed25519 public key */
    public byte[] publicKey() {
        return publicKey.clone();
    }
}
