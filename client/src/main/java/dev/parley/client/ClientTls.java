package dev.parley.client;

import dev.parley.protocol.tls.KeyVerifier;
import dev.parley.protocol.tls.Tls;
import io.netty.handler.ssl.SslContext;

/** The client's TLS contexts for super nodes (the login server's comes from its {@code KeyPin}). */
public final class ClientTls {
    private ClientTls() {}

    private static final class Holder {
        // TLS takes any key here: the super node's certificate in its ServerHello (signed by the
        // pinned login server key) must name the key TLS presented (SuperNodeSession.register).
        static final SslContext SUPER_NODES = Tls.client(KeyVerifier.anyKey());
    }

    /** @return the context for connections to super nodes (created on first use) */
    public static SslContext superNodes() {
        return Holder.SUPER_NODES;
    }
}
