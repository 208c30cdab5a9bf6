package dev.parley.supernode;

import com.google.protobuf.ByteString;
import dev.parley.protocol.Ed25519KeyPair;
import dev.parley.protocol.HostPort;
import dev.parley.protocol.ProtocolException;
import dev.parley.protocol.SuperNodeCertificates;
import dev.parley.protocol.tls.ChannelBinding;
import dev.parley.protocol.wire.ErrorCode;
import dev.parley.protocol.wire.PeerHello;
import dev.parley.protocol.wire.ServerHello;
import dev.parley.protocol.wire.SuperNodeCertificate;
import io.netty.channel.Channel;
import java.security.cert.CertificateException;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * The authentication of a peer link (docs/security.md "Certified super nodes"), both ends:
 * <ol>
 *   <li>the acceptor's {@code ServerHello} carries its certificate and a nonce; the dialler checks the
 *       certificate names the key TLS presented and the address it dialled
 *       ({@link SuperNodeCertificates#verifyPresented});</li>
 *   <li>the dialler's {@code PeerHello} carries its certificate and its node key's signature over
 *       {@link SuperNodeCertificates#peerHelloInput}(acceptor's nonce, acceptor's node key, TLS exporter
 *       when this JDK has one); the acceptor verifies both before the connection becomes a peer link
 *       ({@link #verify}).</li>
 * </ol>
 * The acceptor's node key and the exporter in the signed bytes bind the hello to this connection:
 * a certified super node cannot replay another's {@code PeerHello} elsewhere. Stateless.
 */
final class PeerHellos {
    private PeerHellos() {}

    /**
     * The dialler's side: checks the acceptor's hello, then signs this node's {@code PeerHello}.
     *
     * @param hello the acceptor's {@code ServerHello}
     * @param channel the connection (its TLS handshake done)
     * @param dialled the address dialled
     * @param loginKey the login server's key
     * @param identity this super node's identity (its certificate goes into the hello)
     * @param now the time
     * @return the hello to send
     * @throws ProtocolException if the acceptor is not the certified super node at {@code dialled}, or
     *     this node has no certificate yet
     */
    static PeerHello dial(ServerHello hello, Channel channel, HostPort dialled, byte[] loginKey, NodeIdentity identity,
            Instant now) throws ProtocolException {
        byte[] tlsKey;
        try {
            tlsKey = ChannelBinding.serverKey(channel);
        } catch (CertificateException e) {
            throw new ProtocolException(ErrorCode.INVALID_CREDENTIAL, e.getMessage());
        }
        SuperNodeCertificates.verifyPresented(loginKey, hello.hasCertificate() ? hello.getCertificate() : null, tlsKey,
                dialled, now);
        SuperNodeCertificate own = identity.certificate();
        if (own == null) {
            throw new ProtocolException(ErrorCode.INTERNAL, "this super node has no certificate yet");
        }
        byte[] exporter = ChannelBinding.exporter(channel);
        byte[] input = SuperNodeCertificates.peerHelloInput(hello.getNonce().toByteArray(), tlsKey, exporter);
        return PeerHello.newBuilder().setAddress(own.getAddress()).setCertificate(own)
                .setSignature(ByteString.copyFrom(identity.nodeKey().sign(input))).setChannelBound(exporter != null)
                .build();
    }

    /**
     * The acceptor's side.
     *
     * @param hello the dialler's {@code PeerHello}
     * @param nonce this connection's {@code ServerHello} nonce
     * @param channel the connection
     * @param node this super node
     * @return the dialler's verified certificate
     * @throws ProtocolException INVALID_CREDENTIAL / EXPIRED_CREDENTIAL for a missing, invalid or
     *     expired certificate or a signature that does not verify for this connection; INTERNAL while
     *     the login server's key is unknown
     */
    static SuperNodeCertificate verify(PeerHello hello, byte[] nonce, Channel channel, NodeContext node)
            throws ProtocolException {
        byte[] loginKey = node.serverKey().get();
        if (loginKey == null) {
            throw new ProtocolException(ErrorCode.INTERNAL, "login server key not yet known; try again later");
        }
        if (!hello.hasCertificate()) {
            throw new ProtocolException(ErrorCode.INVALID_CREDENTIAL,
                    "PeerHello without a certificate: only certified super nodes may open peer links");
        }
        SuperNodeCertificate cert = hello.getCertificate();
        SuperNodeCertificates.verify(loginKey, cert, node.clock().instant());
        byte[] exporter = hello.getChannelBound() ? requireExporter(channel) : null;
        byte[] input = SuperNodeCertificates.peerHelloInput(nonce, node.identity().nodeKey().publicKey(), exporter);
        if (!Ed25519KeyPair.verify(cert.getNodeKey().toByteArray(), input, hello.getSignature().toByteArray())) {
            throw new ProtocolException(ErrorCode.INVALID_CREDENTIAL, "PeerHello signature does not verify with the"
                    + " certificate's node key for this connection (expected: signed over this super node's nonce and key)");
        }
        return cert;
    }

    /**
     * @return this connection's exporter, which the peer or client says it signed
     * @throws ProtocolException INVALID_CREDENTIAL if this JDK cannot compute it (older than 25)
     */
    static byte[] requireExporter(Channel channel) throws ProtocolException {
        byte @Nullable [] exporter = ChannelBinding.exporter(channel);
        if (exporter == null) {
            throw new ProtocolException(ErrorCode.INVALID_CREDENTIAL, "signature covers the TLS exporter, which this "
                    + "super node cannot compute (its JDK is older than 25): sign without it");
        }
        return exporter;
    }
}
