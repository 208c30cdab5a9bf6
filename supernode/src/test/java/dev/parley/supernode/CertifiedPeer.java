package dev.parley.supernode;

import com.google.protobuf.ByteString;
import dev.parley.protocol.Ed25519KeyPair;
import dev.parley.protocol.HostPort;
import dev.parley.protocol.SuperNodeCertificates;
import dev.parley.protocol.tls.ChannelBinding;
import dev.parley.protocol.wire.PeerHello;
import dev.parley.protocol.wire.ServerHello;
import dev.parley.protocol.wire.SuperNodeCertificate;
import io.netty.channel.Channel;

/**
 * A test's own certified super node identity (a key and a certificate from the {@link FakeLoginServer}),
 * to open real peer links by hand: {@link #hello} signs a {@code PeerHello} as {@link PeerHellos} does.
 */
final class CertifiedPeer {
    final Ed25519KeyPair key;
    final SuperNodeCertificate certificate;

    CertifiedPeer(FakeLoginServer login, Ed25519KeyPair key, HostPort address) {
        this.key = key;
        this.certificate = login.certify(key, address, login.clock.instant());
    }

    /** @return a valid {@code PeerHello} for the connection whose acceptor sent {@code hello} */
    PeerHello hello(ServerHello hello, Channel channel) throws Exception {
        byte[] exporter = ChannelBinding.exporter(channel);
        byte[] input = SuperNodeCertificates.peerHelloInput(hello.getNonce().toByteArray(), ChannelBinding.serverKey(channel),
                exporter);
        return PeerHello.newBuilder().setAddress(certificate.getAddress()).setCertificate(certificate)
                .setSignature(ByteString.copyFrom(key.sign(input))).setChannelBound(exporter != null).build();
    }
}
