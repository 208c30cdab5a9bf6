package dev.parley.protocol.tls;

import java.security.Provider;
import java.security.Security;
import java.security.interfaces.ECKey;

/**
 * The JCA provider {@link Tls} installs first in the JVM so that the TLS handshake's P-256
 * signatures run on BouncyCastle: {@code SHA256withECDSA} ({@link P256Ecdsa}: the leaf's
 * {@code CertificateVerify}). It takes only P-256 keys; anything else throws, and the JCA's delayed
 * provider selection moves on to the JDK's providers. The key exchange (X25519), AES-GCM, HKDF and
 * the rest stay the JDK's.
 */
final class HandshakeProvider extends Provider {
    static final String NAME = "ParleyHandshake";

    private HandshakeProvider() {
        super(NAME, "1", "P-256 ECDSA by BouncyCastle for Parley's TLS handshakes");
        putService(new Service(this, "Signature", "SHA256withECDSA", P256Ecdsa.class.getName(), null, null) {
            @Override
            public Object newInstance(Object constructorParameter) {
                return new P256Ecdsa(); // directly: the JCA's reflection needs a public class
            }

            @Override
            public boolean supportsParameter(Object key) {
                return key instanceof ECKey;
            }
        });
    }

    /**
     * Installs the provider first in the JVM's list (once; later calls do nothing).
     *
     * @throws SecurityException if a security manager forbids it
     */
    static synchronized void install() {
        if (Security.getProvider(NAME) == null) {
            Security.insertProviderAt(new HandshakeProvider(), 1);
        }
    }
}
