package dev.parley.protocol.tls;

import dev.parley.protocol.Ed25519KeyPair;
import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Trusts a TLS server by the Ed25519 key in its (self-signed) certificate, as a {@link KeyVerifier}
 * decides; no certificate authority, no host name check (the key is the identity). Refuses to
 * authenticate clients: Parley's servers authenticate clients inside the connection.
 */
final class PinningTrustManager extends X509ExtendedTrustManager {
    /** id-Ed25519 (RFC 8410 §3). */
    private static final String ED25519_OID = "1.3.101.112";
    private final KeyVerifier verifier;

    PinningTrustManager(KeyVerifier verifier) {
        this.verifier = verifier;
    }

    /**
     * The chain of a {@link TlsIdentity}: [leaf, Ed25519 root]; the root's key must be the expected
     * one, and it must have signed the leaf (checked with BouncyCastle's Ed25519, not the JDK's:
     * ten times faster). A lone self-signed Ed25519 certificate is accepted as its own root (TLS's
     * {@code CertificateVerify} proves its key; its self-signature is not checked).
     */
    private void check(X509Certificate[] chain) throws CertificateException {
        if (chain == null || chain.length == 0 || chain.length > 2) {
            throw new CertificateException(String.format("server certificates: %d (expected: 1..2)",
                    chain == null ? 0 : chain.length));
        }
        X509Certificate root = chain[chain.length - 1];
        byte[] rootKey = Ed25519Keys.rawKey(root);
        verifier.verify(rootKey);
        // The leaf's signature by the root is what ties the handshake key to the pinned one. The
        // root's signature on itself proves nothing more (the key was just checked): not verified.
        X509Certificate leaf = chain[0];
        if (leaf != root && (!ED25519_OID.equals(leaf.getSigAlgOID())
                || !Ed25519KeyPair.verify(rootKey, leaf.getTBSCertificate(), leaf.getSignature()))) {
            throw new CertificateException("server certificate " + leaf.getSubjectX500Principal().getName()
                    + ": not signed by the server's Ed25519 key");
        }
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        check(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        check(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        check(chain);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        throw new CertificateException("client certificates are not used");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        throw new CertificateException("client certificates are not used");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        throw new CertificateException("client certificates are not used");
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[0];
    }
}
