package dev.parley.protocol.tls;

import dev.parley.protocol.Ed25519KeyPair;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
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
 * A TLS server's identity: its Ed25519 key (RFC 8410), and what TLS presents for it, a chain of two
 * X.509 certificates:
 * <pre>
 *   [0] leaf: an ECDSA P-256 key made at start, signed by the Ed25519 key
 *   [1] root: the Ed25519 key, self-signed
 * </pre>
 * Peers check the root's key against the key they pinned ({@link KeyVerifier}) and the leaf's
 * signature with it ({@link PinningTrustManager}); no certificate authority is involved. Why a leaf:
 * every handshake signs with the leaf key, and the JDK signs with P-256 about ten times faster than
 * with Ed25519 (0.8 ms a signature here), which matters when thousands of clients connect at once.
 */
public final class TlsIdentity {
    private static final Duration VALIDITY = Duration.ofDays(3650);

    private final PrivateKey leafKey;
    private final X509Certificate leaf;
    private final X509Certificate root;
    private final byte[] publicKey;

    private TlsIdentity(PrivateKey leafKey, X509Certificate leaf, X509Certificate root, byte[] publicKey) {
        this.leafKey = leafKey;
        this.leaf = leaf;
        this.root = root;
        this.publicKey = publicKey;
    }

    /**
     * @param key the server's Ed25519 key (the login server's signing key, a super node's node key)
     * @param name the certificates' common name, e.g. "parley login server"
     * @param now start of validity (an hour earlier, for peers whose clock is behind)
     * @return the identity, with a fresh leaf key
     * @throws IllegalStateException if the JDK cannot make the keys or signatures
     */
    public static TlsIdentity of(Ed25519KeyPair key, String name, Instant now) {
        PrivateKey identityKey = key.toJcaPrivateKey();
        byte[] publicKey = key.publicKey();
        X500Name rootName = new X500Name("CN=" + safe(name) + " key");
        X500Name leafName = new X500Name("CN=" + safe(name));
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"));
            KeyPair leafPair = generator.generateKeyPair();
            X509Certificate root = certificate(rootName, rootName, Ed25519Keys.jcaPublicKey(publicKey), identityKey, now, publicKey);
            X509Certificate leaf = certificate(leafName, rootName, leafPair.getPublic(), identityKey, now,
                    leafPair.getPublic().getEncoded());
            return new TlsIdentity(leafPair.getPrivate(), leaf, root, publicKey);
        } catch (GeneralSecurityException | OperatorCreationException e) {
            throw new IllegalStateException("cannot make the TLS certificates: " + e.getMessage(), e);
        }
    }

    private static X509Certificate certificate(X500Name subject, X500Name issuer, PublicKey subjectKey, PrivateKey signer,
            Instant now, byte[] serialSource) throws OperatorCreationException, CertificateException {
        X509CertificateHolder holder = new JcaX509v3CertificateBuilder(issuer, new BigInteger(1, serialSource, serialSource.length - 16, 16),
                Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(VALIDITY)), subject, subjectKey)
                .build(new JcaContentSignerBuilder("Ed25519").build(signer));
        return new JcaX509CertificateConverter().getCertificate(holder);
    }

    private static String safe(String name) {
        return name.replaceAll("[,=+<>#;\"\\\\]", " ");
    }

    /** @return the leaf's private key, for the TLS server */
    PrivateKey leafKey() {
        return leafKey;
    }

    /** @return the chain TLS presents: leaf, then root */
    X509Certificate[] chain() {
        return new X509Certificate[] {leaf, root};
    }

    /** @return a copy of the raw 32-byte Ed25519 public key */
    public byte[] publicKey() {
        return publicKey.clone();
    }
}
