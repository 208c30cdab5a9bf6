package dev.parley.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.parley.protocol.wire.Credential;
import dev.parley.protocol.wire.ErrorCode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CredentialsTest {
    private static final Instant T0 = Instant.parse("2026-11-21T12:00:00Z");
    private final Ed25519KeyPair server = Ed25519KeyPair.fromSeed(new byte[32]);
    private final Ed25519KeyPair client = Ed25519KeyPair.fromSeed(filled((byte) 7));

    private static byte[] filled(byte b) {
        byte[] seed = new byte[32];
        Arrays.fill(seed, b);
        return seed;
    }

    private Credential issue() {
        return Credentials.issue(server, "alice", client.publicKey(), T0, Duration.ofHours(24));
    }

    @Test
    void issuedCredentialVerifiesWithinItsLifetime() throws Exception {
        Credential c = issue();
        assertThat(c.getExpiresAtMs() - c.getIssuedAtMs()).isEqualTo(Duration.ofHours(24).toMillis());
        Credentials.verify(server.publicKey(), c, T0.plusSeconds(3600));
    }

    @Test
    void rejectsCredentialSignedByAnotherKey() {
        Ed25519KeyPair forger = Ed25519KeyPair.generate(new SecureRandom(new byte[] {1}));
        Credential forged = Credentials.issue(forger, "alice", client.publicKey(), T0, Duration.ofHours(1));
        assertThatThrownBy(() -> Credentials.verify(server.publicKey(), forged, T0))
                .isInstanceOf(ProtocolException.class)
                .satisfies(e -> assertThat(((ProtocolException) e).code()).isEqualTo(ErrorCode.INVALID_CREDENTIAL));
    }

    @Test
    void rejectsTamperedUsernameOrKey() {
        Credential renamed = issue().toBuilder().setUsername("mallory").build();
        Credential rekeyed = issue().toBuilder().setPublicKey(ByteString.copyFrom(server.publicKey())).build();
        for (Credential c : new Credential[] {renamed, rekeyed}) {
            assertThatThrownBy(() -> Credentials.verify(server.publicKey(), c, T0))
                    .satisfies(e -> assertThat(((ProtocolException) e).code()).isEqualTo(ErrorCode.INVALID_CREDENTIAL));
        }
    }

    @Test
    void rejectsExpiredCredentialBeyondClockSkew() {
        Credential c = issue();
        Instant late = Instant.ofEpochMilli(c.getExpiresAtMs()).plus(Credentials.CLOCK_SKEW).plusMillis(1);
        assertThatThrownBy(() -> Credentials.verify(server.publicKey(), c, late))
                .satisfies(e -> assertThat(((ProtocolException) e).code()).isEqualTo(ErrorCode.EXPIRED_CREDENTIAL));
    }

    @Test
    void rejectsMalformedPublicKeyWithoutThrowingAnythingElse() {
        Credential c = issue().toBuilder().setPublicKey(ByteString.copyFrom(new byte[5])).build();
        assertThatThrownBy(() -> Credentials.verify(server.publicKey(), c, T0))
                .isInstanceOf(ProtocolException.class)
                .hasMessageContaining("5 bytes");
        assertThat(Ed25519KeyPair.verify(new byte[32], new byte[] {1}, new byte[64])).isFalse();
    }

    @Test
    void proofOfPossessionBindsNonceKeySuperNodeAndChannel() throws Exception {
        Credential c = issue();
        byte[] nonce = new byte[32];
        nonce[0] = 9;
        byte[] node = new byte[32];
        node[0] = 1;
        byte[] exporter = new byte[32];
        exporter[5] = 7;
        byte[] proof = client.sign(Credentials.registerProofInput(nonce, node, exporter));
        Credentials.verifyProof(c, nonce, node, exporter, proof);
        byte[] otherNonce = nonce.clone();
        otherNonce[1] = 1;
        assertThatThrownBy(() -> Credentials.verifyProof(c, otherNonce, node, exporter, proof))
                .isInstanceOf(ProtocolException.class);
        byte[] otherNode = node.clone();
        otherNode[2] = 3;
        assertThatThrownBy(() -> Credentials.verifyProof(c, nonce, otherNode, exporter, proof))
                .as("a proof for one super node is refused by another").isInstanceOf(ProtocolException.class)
                .hasMessageContaining("another super node");
        byte[] otherExporter = exporter.clone();
        otherExporter[0] = 1;
        assertThatThrownBy(() -> Credentials.verifyProof(c, nonce, node, otherExporter, proof))
                .as("another TLS connection").isInstanceOf(ProtocolException.class);
        assertThatThrownBy(() -> Credentials.verifyProof(c, nonce, node, null, proof))
                .as("exporter dropped (downgrade)").isInstanceOf(ProtocolException.class);
        byte[] wrongKeyProof = server.sign(Credentials.registerProofInput(nonce, node, null));
        assertThatThrownBy(() -> Credentials.verifyProof(c, nonce, node, null, wrongKeyProof))
                .isInstanceOf(ProtocolException.class);
    }

    @Test
    void keyFilePersists(@TempDir Path dir) throws Exception {
        var file = dir.resolve("sub/id.key");
        Ed25519KeyPair first = Ed25519KeyPair.loadOrCreate(file, new SecureRandom());
        Ed25519KeyPair again = Ed25519KeyPair.loadOrCreate(file, new SecureRandom());
        assertThat(again.publicKey()).isEqualTo(first.publicKey());
        Files.write(file, new byte[3]);
        assertThatThrownBy(() -> Ed25519KeyPair.loadOrCreate(file, new SecureRandom()))
                .isInstanceOf(IOException.class).hasMessageContaining("3 bytes");
    }

    // ---- v2: the certified encryption key ----

    private final byte[] encryptionKey = X25519KeyPair.derive(client, Credentials.ENCRYPTION_KEY_LABEL).publicKey();

    private Credential issueV2() {
        return Credentials.issue(server, "alice", client.publicKey(), encryptionKey, T0, Duration.ofHours(24));
    }

    @Test
    void aV2CredentialCertifiesTheEncryptionKey() throws Exception {
        Credential c = issueV2();
        Credentials.verify(server.publicKey(), c, T0);
        assertThat(Credentials.encryptionKey(c)).isEqualTo(encryptionKey);
        assertThat(Credentials.signingInput(c)).startsWith("parley-credential-v2".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    }

    @Test
    void aV1CredentialStillVerifiesButCertifiesNoEncryptionKey() throws Exception {
        Credential v1 = issue();
        Credentials.verify(server.publicKey(), v1, T0);
        assertThatThrownBy(() -> Credentials.encryptionKey(v1))
                .satisfies(e -> assertThat(((ProtocolException) e).code()).isEqualTo(ErrorCode.INVALID_CREDENTIAL))
                .hasMessageContaining("no certified encryption key");
    }

    @Test
    void theEncryptionKeyCanBeNeitherSwappedNorStrippedNorAdded() {
        byte[] mallory = X25519KeyPair.generate(new SecureRandom(new byte[] {3})).publicKey();
        Credential swapped = issueV2().toBuilder().setEncryptionKey(ByteString.copyFrom(mallory)).build();
        Credential stripped = issueV2().toBuilder().clearEncryptionKey().build();
        Credential added = issue().toBuilder().setEncryptionKey(ByteString.copyFrom(mallory)).build();
        Credential truncated = issueV2().toBuilder().setEncryptionKey(ByteString.copyFrom(encryptionKey, 0, 31)).build();
        for (Credential c : new Credential[] {swapped, stripped, added, truncated}) {
            assertThatThrownBy(() -> Credentials.verify(server.publicKey(), c, T0))
                    .satisfies(e -> assertThat(((ProtocolException) e).code()).isEqualTo(ErrorCode.INVALID_CREDENTIAL));
        }
    }

    @Test
    void aRenewalThatAsksForAnEncryptionKeyMustSignIt() throws Exception {
        Credential v1 = issue();
        long at = T0.toEpochMilli();
        byte[] signature = client.sign(Credentials.renewInput(v1, at, encryptionKey));
        Credentials.verifyRenewal(server.publicKey(), v1, at, encryptionKey, signature, T0);
        byte[] other = X25519KeyPair.generate(new SecureRandom(new byte[] {4})).publicKey();
        assertThatThrownBy(() -> Credentials.verifyRenewal(server.publicKey(), v1, at, other, signature, T0))
                .satisfies(e -> assertThat(((ProtocolException) e).code()).isEqualTo(ErrorCode.INVALID_CREDENTIAL));
        // a v1 renewal signature does not certify a key either
        byte[] plain = client.sign(Credentials.renewInput(v1, at));
        assertThatThrownBy(() -> Credentials.verifyRenewal(server.publicKey(), v1, at, encryptionKey, plain, T0))
                .satisfies(e -> assertThat(((ProtocolException) e).code()).isEqualTo(ErrorCode.INVALID_CREDENTIAL));
        Credentials.verifyRenewal(server.publicKey(), v1, at, plain, T0);
    }
}
