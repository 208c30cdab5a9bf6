package dev.parley.protocol.tls;

import io.netty.channel.Channel;
import io.netty.handler.ssl.SslHandler;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import org.jspecify.annotations.Nullable;

/**
 * What a signature inside a TLS connection binds to: the key the server presented, and the TLS
 * exporter for channel bindings (RFC 9266 §2: label "EXPORTER-Channel-Binding", empty context,
 * 32 bytes; RFC 8446 §7.5).
 *
 * <p>The exporter comes from {@code ExtendedSSLSession.exportKeyingMaterialData(String, byte[], int)},
 * which exists from JDK 25 on; Parley compiles for release 21, so it is looked up once with a
 * {@link MethodHandle}. On an older JDK {@link #available()} is false and {@link #exporter} returns
 * null: signatures then bind the super node's certified key only (docs/security.md).
 */
public final class ChannelBinding {
    /** RFC 9266 §2: the exporter label for {@code tls-exporter}. */
    public static final String LABEL = "EXPORTER-Channel-Binding";
    /** Length of the exporter value, in bytes (RFC 9266 §2). */
    public static final int BYTES = 32;
    private static final @Nullable MethodHandle EXPORT = lookUp();

    private ChannelBinding() {}

    private static @Nullable MethodHandle lookUp() {
        try {
            return MethodHandles.publicLookup().findVirtual(ExtendedSSLSession.class, "exportKeyingMaterialData",
                    MethodType.methodType(byte[].class, String.class, byte[].class, int.class));
        } catch (NoSuchMethodException | IllegalAccessException e) {
            return null; // JDK < 25
        }
    }

    /** @return whether this JDK can export keying material (JDK 25 and later) */
    public static boolean available() {
        return EXPORT != null;
    }

    /**
     * @param channel a channel whose TLS handshake has completed
     * @return the connection's 32-byte {@code tls-exporter} value, or null if this JDK cannot
     *     export it or the channel has no TLS
     * @throws IllegalStateException if the JDK has the method but refuses to export (e.g. before
     *     the handshake completed)
     */
    public static byte @Nullable [] exporter(Channel channel) {
        SslHandler tls = channel.pipeline().get(SslHandler.class);
        if (EXPORT == null || tls == null) {
            return null;
        }
        SSLSession session = tls.engine().getSession();
        if (!(session instanceof ExtendedSSLSession extended)) {
            return null;
        }
        try {
            return (byte[]) EXPORT.invoke(extended, LABEL, new byte[0], BYTES);
        } catch (Throwable e) {
            throw new IllegalStateException("TLS exporter '" + LABEL + "': " + e.getMessage(), e);
        }
    }

    /**
     * @param channel a client channel whose TLS handshake has completed
     * @return the raw 32-byte Ed25519 key the server presented (the root of its chain, already
     *     checked by the trust manager to have signed the leaf)
     * @throws CertificateException if the channel has no TLS session with an Ed25519 root
     */
    public static byte[] serverKey(Channel channel) throws CertificateException {
        SslHandler tls = channel.pipeline().get(SslHandler.class);
        if (tls == null) {
            throw new CertificateException("no TLS on the connection to " + channel.remoteAddress());
        }
        Certificate[] chain;
        try {
            chain = tls.engine().getSession().getPeerCertificates();
        } catch (SSLPeerUnverifiedException e) {
            throw new CertificateException("TLS peer of " + channel.remoteAddress() + " not verified", e);
        }
        if (chain.length == 0 || !(chain[chain.length - 1] instanceof X509Certificate root)) {
            throw new CertificateException("TLS peer of " + channel.remoteAddress() + " presented no X.509 certificate");
        }
        return Ed25519Keys.rawKey(root);
    }
}
