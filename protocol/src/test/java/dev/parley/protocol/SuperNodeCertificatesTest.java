package dev.parley.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.parley.protocol.wire.ErrorCode;
import dev.parley.protocol.wire.SuperNodeCertificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class SuperNodeCertificatesTest {
    private static final Instant T0 = Instant.parse("2026-11-27T12:00:00Z");
    private final Ed25519KeyPair login = Ed25519KeyPair.fromSeed(new byte[32]);
    private final Ed25519KeyPair node = Ed25519KeyPair.fromSeed(filled((byte) 3));
    private final X25519KeyPair mesh = X25519KeyPair.derive(node, SuperNodeCertificates.MESH_KEY_LABEL);
    private final HostPort address = new HostPort("192.0.2.7", 7000);

    private static byte[] filled(byte b) {
        byte[] seed = new byte[32];
        Arrays.fill(seed, b);
        return seed;
    }

    private SuperNodeCertificate issue() {
        return SuperNodeCertificates.issue(login, node.publicKey(), mesh.publicKey(), address, T0, Duration.ofHours(6));
    }

    @Test
    void issuedCertificateVerifiesAndNamesItsAddress() throws Exception {
        assertThat(SuperNodeCertificates.verify(login.publicKey(), issue(), T0.plusSeconds(3600))).isEqualTo(address);
    }

    @Test
    void plantedAddressOrSwappedKeyFailsTheSignature() {
        SuperNodeCertificate moved = issue().toBuilder().setAddress(new HostPort("198.51.100.9", 7000).toAddress()).build();
        SuperNodeCertificate swapped = issue().toBuilder()
                .setMeshKey(ByteString.copyFrom(X25519KeyPair.derive(node, "other").publicKey())).build();
        for (SuperNodeCertificate forged : new SuperNodeCertificate[] {moved, swapped}) {
            assertThatThrownBy(() -> SuperNodeCertificates.verify(login.publicKey(), forged, T0))
                    .isInstanceOfSatisfying(ProtocolException.class,
                            e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_CREDENTIAL))
                    .hasMessageContaining("signature");
        }
    }

    @Test
    void anotherLoginServersCertificateIsRefused() {
        Ed25519KeyPair stranger = Ed25519KeyPair.fromSeed(filled((byte) 9));
        SuperNodeCertificate foreign = SuperNodeCertificates.issue(stranger, node.publicKey(), mesh.publicKey(), address,
                T0, Duration.ofHours(6));
        assertThatThrownBy(() -> SuperNodeCertificates.verify(login.publicKey(), foreign, T0))
                .isInstanceOf(ProtocolException.class);
    }

    @Test
    void expiredCertificateIsRefusedAfterTheClockSkew() throws Exception {
        Instant expiry = T0.plus(Duration.ofHours(6));
        SuperNodeCertificates.verify(login.publicKey(), issue(), expiry.plus(Credentials.CLOCK_SKEW));
        assertThatThrownBy(() -> SuperNodeCertificates.verify(login.publicKey(), issue(),
                expiry.plus(Credentials.CLOCK_SKEW).plusMillis(1)))
                .isInstanceOfSatisfying(ProtocolException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.EXPIRED_CREDENTIAL));
    }

    @Test
    void truncatedKeysAreRefusedBeforeAnySignatureCheck() {
        SuperNodeCertificate shortKey = issue().toBuilder().setNodeKey(ByteString.copyFrom(new byte[31])).build();
        assertThatThrownBy(() -> SuperNodeCertificates.verify(login.publicKey(), shortKey, T0))
                .hasMessageContaining("31");
    }

    @Test
    void meshKeysAgreeBothWaysAndDependOnTheLabel() {
        Ed25519KeyPair other = Ed25519KeyPair.fromSeed(filled((byte) 4));
        X25519KeyPair otherMesh = X25519KeyPair.derive(other, SuperNodeCertificates.MESH_KEY_LABEL);
        assertThat(mesh.agree(otherMesh.publicKey())).isEqualTo(otherMesh.agree(mesh.publicKey()));
        assertThat(X25519KeyPair.derive(node, SuperNodeCertificates.MESH_KEY_LABEL).publicKey()).isEqualTo(mesh.publicKey());
        assertThat(X25519KeyPair.derive(node, "another-label").publicKey()).isNotEqualTo(mesh.publicKey());
        assertThat(SuperNodeCertificates.keyId(node.publicKey())).hasSize(SuperNodeCertificates.KEY_ID_BYTES)
                .isNotEqualTo(SuperNodeCertificates.keyId(other.publicKey()));
    }

    @Test
    void lowOrderPeerKeyIsRefused() {
        assertThatThrownBy(() -> mesh.agree(new byte[32])).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("low-order");
        assertThatThrownBy(() -> mesh.agree(new byte[31])).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void presentedCertificateMustNameTheTlsKeyAndTheDialledAddress() throws Exception {
        SuperNodeCertificate cert = issue();
        Instant now = T0.plusSeconds(60);
        SuperNodeCertificates.verifyPresented(login.publicKey(), cert, node.publicKey(), address, now);
        byte[] impostorKey = Ed25519KeyPair.fromSeed(filled((byte) 4)).publicKey();
        assertThatThrownBy(() -> SuperNodeCertificates.verifyPresented(login.publicKey(), cert, impostorKey, address, now))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("TLS presented key");
        assertThatThrownBy(() -> SuperNodeCertificates.verifyPresented(login.publicKey(), cert, node.publicKey(),
                new HostPort("192.0.2.7", 7001), now)).isInstanceOf(ProtocolException.class)
                .hasMessageContaining("expected: the address dialled");
        assertThatThrownBy(() -> SuperNodeCertificates.verifyPresented(login.publicKey(), null, node.publicKey(), address, now))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("no certificate");
        byte[] otherLogin = Ed25519KeyPair.fromSeed(filled((byte) 5)).publicKey();
        assertThatThrownBy(() -> SuperNodeCertificates.verifyPresented(otherLogin, cert, node.publicKey(), address, now))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("signature");
        assertThatThrownBy(() -> SuperNodeCertificates.verifyPresented(login.publicKey(), cert, node.publicKey(), address,
                T0.plus(Duration.ofHours(7)))).isInstanceOf(ProtocolException.class)
                .extracting(e -> ((ProtocolException) e).code()).isEqualTo(ErrorCode.EXPIRED_CREDENTIAL);
    }

    @Test
    void requestsProvePossessionOfTheNodeKey() throws Exception {
        var enrol = SuperNodeCertificates.enrolRequest(node, mesh, address, "token", T0.toEpochMilli());
        SuperNodeCertificates.verifyRequest(true, enrol.getNodeKey(), enrol.getMeshKey(), enrol.getAddress(),
                enrol.getSignedAtMs(), enrol.getSignature(), T0);
        assertThatThrownBy(() -> SuperNodeCertificates.verifyRequest(false, enrol.getNodeKey(), enrol.getMeshKey(),
                enrol.getAddress(), enrol.getSignedAtMs(), enrol.getSignature(), T0))
                .as("an enrolment signature is no renewal").isInstanceOf(ProtocolException.class);
        var renew = SuperNodeCertificates.renewRequest(node, mesh, address, T0.toEpochMilli());
        ByteString otherKey = ByteString.copyFrom(Ed25519KeyPair.fromSeed(filled((byte) 4)).publicKey());
        assertThatThrownBy(() -> SuperNodeCertificates.verifyRequest(false, otherKey, renew.getMeshKey(),
                renew.getAddress(), renew.getSignedAtMs(), renew.getSignature(), T0))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("proof of possession");
        assertThatThrownBy(() -> SuperNodeCertificates.verifyRequest(false, renew.getNodeKey(), renew.getMeshKey(),
                new HostPort("198.51.100.1", 7000).toAddress(), renew.getSignedAtMs(), renew.getSignature(), T0))
                .isInstanceOf(ProtocolException.class);
        assertThatThrownBy(() -> SuperNodeCertificates.verifyRequest(false, renew.getNodeKey(), renew.getMeshKey(),
                renew.getAddress(), renew.getSignedAtMs(), renew.getSignature(), T0.plus(Duration.ofMinutes(6))))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("signed_at_ms");
    }
}
