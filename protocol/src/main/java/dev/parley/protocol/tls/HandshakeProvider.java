package dev.parley.protocol.tls;

import java.security.Provider;
import java.security.Security;
import java.security.interfaces.ECKey;
import java.security.interfaces.XECPrivateKey;
import java.util.List;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * The JCA provider {@link Tls} installs first in the JVM so that the TLS handshake's public-key
 * crypto runs on BouncyCastle: the P-256 signatures ({@code SHA256withECDSA}, {@link P256Ecdsa}: the
 * leaf's {@code CertificateVerify}) and the x25519 key exchange ({@code XDH} key pair generator, key
 * factory and key agreement, {@link X25519Services}; also under the name {@code X25519}, as the
 * JDK's). Each takes only its own keys and parameters (P-256; X25519); anything else throws, and
 * the JCA moves on to the JDK's providers. AES-GCM, HKDF and the rest stay the JDK's.
 */
final class HandshakeProvider extends Provider {
    static final String NAME = "ParleyHandshake";

    private HandshakeProvider() {
        super(NAME, "2", "P-256 ECDSA and X25519 by BouncyCastle for Parley's TLS handshakes");
        add("Signature", "SHA256withECDSA", P256Ecdsa.class, P256Ecdsa::new, key -> key instanceof ECKey);
        // SunJSSE asks for "XDH" (sun.security.ssl.XDHKeyExchange, KAKeyDerivation) and checks that
        // the group is available with KeyAgreement "x25519" (NamedGroup); SunEC offers both names.
        for (String name : List.of("XDH", "X25519")) {
            add("KeyPairGenerator", name, X25519Services.Generator.class, X25519Services.Generator::new, null);
            add("KeyFactory", name, X25519Services.Factory.class, X25519Services.Factory::new, null);
            add("KeyAgreement", name, X25519Services.Agreement.class, X25519Services.Agreement::new,
                    key -> key instanceof XECPrivateKey x && X25519Keys.isX25519(x.getParams()));
        }
    }

    /**
     * @param supports which keys the service takes (the JCA's delayed provider selection asks before
     *     trying it), or null where the JCA does not ask (key pair generators, key factories)
     */
    private void add(String type, String algorithm, Class<?> spi, Supplier<Object> newSpi,
            @Nullable Predicate<Object> supports) {
        putService(new Service(this, type, algorithm, spi.getName(), null, null) {
            @Override
            public Object newInstance(Object constructorParameter) {
                return newSpi.get(); // directly: the JCA's reflection needs a public class
            }

            @Override
            public boolean supportsParameter(Object key) {
                return supports == null ? super.supportsParameter(key) : supports.test(key);
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
