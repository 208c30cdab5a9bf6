package dev.parley.protocol.tls;

import java.io.IOException;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/** Blocking TLS 1.3 sockets for tests that write raw bytes inside the encrypted channel (bad frames, garbage). */
public final class TlsSockets {
    private TlsSockets() {}

    /** @return a connected TLS 1.3 socket that trusts any server key (tests only), handshake done */
    public static Socket open(String host, int port) throws IOException {
        return over(new Socket(host, port), host, port);
    }

    /**
     * @param plain a connected TCP socket (e.g. bound to a chosen source address first)
     * @return TLS 1.3 over it, trusting any server key (tests only), handshake done
     */
    public static Socket over(Socket plain, String host, int port) throws IOException {
        try {
            SSLContext context = SSLContext.getInstance("TLSv1.3");
            context.init(null, new TrustManager[] {new X509TrustManager() {
                @Override
                public void checkClientTrusted(X509Certificate[] chain, String authType) {
                }

                @Override
                public void checkServerTrusted(X509Certificate[] chain, String authType) {
                }

                @Override
                public X509Certificate[] getAcceptedIssuers() {
                    return new X509Certificate[0];
                }
            }}, null);
            SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket(plain, host, port, true);
            socket.setEnabledProtocols(new String[] {"TLSv1.3"});
            socket.setSoTimeout(5000);
            socket.startHandshake();
            return socket;
        } catch (GeneralSecurityException e) {
            throw new IOException(e);
        }
    }
}
