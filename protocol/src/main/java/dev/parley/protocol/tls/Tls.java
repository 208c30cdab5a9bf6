package dev.parley.protocol.tls;

import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.util.List;
import javax.net.ssl.SSLException;

/**
 * TLS 1.3 (RFC 8446) for every control connection: Netty's {@code SslHandler} on the JDK's
 * provider, with certificates rooted in an Ed25519 key (RFC 8410; {@link TlsIdentity}) that is
 * checked against the pinned key ({@link KeyVerifier}).
 * TLS 1.2 and older are refused.
 *
 * <p>Loading this class installs {@link HandshakeProvider} first in the JVM's providers: the
 * handshake's {@code CertificateVerify} signature (the leaf key is P-256) and its x25519 key
 * exchange are then done by BouncyCastle (P-256 and X25519 keys only; anything else, X448 say,
 * still goes to the JDK's provider): much less CPU per handshake, which counts when hundreds of
 * clients rejoin at once (docs/security.md; docs/benchmarks.md "Rejoin and TLS").
 */
public final class Tls {
    private static final List<String> PROTOCOLS = List.of("TLSv1.3");
    /** Name of the JCA provider of the handshake's P-256 signatures and X25519 ({@code parley bench tls} compares it with the JDK's). */
    public static final String HANDSHAKE_PROVIDER = HandshakeProvider.NAME;

    static {
        HandshakeProvider.install(); // the handshake's P-256 signatures and X25519 by BouncyCastle
    }

    private Tls() {}

    /**
     * @return a server context presenting {@code identity}
     * @throws IllegalStateException if the JDK cannot set it up (no TLS 1.3 or Ed25519)
     */
    public static SslContext server(TlsIdentity identity) {
        try {
            return SslContextBuilder.forServer(identity.leafKey(), identity.chain())
                    .sslProvider(SslProvider.JDK).protocols(PROTOCOLS).build();
        } catch (SSLException e) {
            throw new IllegalStateException("TLS server context: " + e.getMessage(), e);
        }
    }

    /**
     * @return a client context that trusts a server whose key {@code verifier} accepts
     * @throws IllegalStateException if the JDK cannot set it up
     */
    public static SslContext client(KeyVerifier verifier) {
        try {
            return SslContextBuilder.forClient().sslProvider(SslProvider.JDK).protocols(PROTOCOLS)
                    .trustManager(new PinningTrustManager(verifier)).endpointIdentificationAlgorithm(null).build();
        } catch (SSLException e) {
            throw new IllegalStateException("TLS client context: " + e.getMessage(), e);
        }
    }
}
