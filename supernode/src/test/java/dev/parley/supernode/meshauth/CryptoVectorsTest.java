package dev.parley.supernode.meshauth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.protocol.X25519KeyPair;
import java.security.SecureRandom;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** Known answers for the primitives the mesh keys are built from. */
class CryptoVectorsTest {
    private static final HexFormat HEX = HexFormat.of();

    @Test
    void hkdfSha256MatchesRfc5869TestCases1And3() {
        byte[] ikm = HEX.parseHex("0b".repeat(22));
        assertThat(Hkdf.sha256(ikm, HEX.parseHex("000102030405060708090a0b0c"), HEX.parseHex("f0f1f2f3f4f5f6f7f8f9"), 42))
                .isEqualTo(HEX.parseHex("3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865"));
        assertThat(Hkdf.sha256(ikm, new byte[0], new byte[0], 42))
                .isEqualTo(HEX.parseHex("8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8"));
    }

    @Test
    void x25519MatchesRfc7748Section61() {
        X25519KeyPair alice = withPrivateKey("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
        X25519KeyPair bob = withPrivateKey("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb");
        assertThat(HEX.formatHex(alice.publicKey())).isEqualTo("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");
        assertThat(HEX.formatHex(bob.publicKey())).isEqualTo("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f");
        String shared = "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742";
        assertThat(HEX.formatHex(alice.agree(bob.publicKey()))).isEqualTo(shared);
        assertThat(HEX.formatHex(bob.agree(alice.publicKey()))).isEqualTo(shared);
    }

    @Test
    void directionsAndBootsGetIndependentKeys() {
        byte[] secret = new byte[32];
        byte[] meshA = new byte[32];
        byte[] meshB = new byte[32];
        meshB[0] = 1;
        DatagramKey aToB = DatagramKey.derive(secret, 1, 10, meshA, 2, 20, meshB);
        DatagramKey bToA = DatagramKey.derive(secret, 2, 20, meshB, 1, 10, meshA);
        DatagramKey aToBUnknownBoot = DatagramKey.derive(secret, 1, 10, meshA, 2, 0, meshB);
        DatagramKey aRestarted = DatagramKey.derive(secret, 1, 11, meshA, 2, 20, meshB);
        assertThat(aToB.key().getKey()).hasSize(32).isNotEqualTo(bToA.key().getKey())
                .isNotEqualTo(aToBUnknownBoot.key().getKey()).isNotEqualTo(aRestarted.key().getKey());
        assertThat(DatagramKey.derive(secret, 1, 10, meshA, 2, 20, meshB).key().getKey())
                .isEqualTo(aToB.key().getKey());
        // nonce = IV XOR counter in the low 8 bytes
        byte[] nonce = aToB.nonce(0x0102);
        assertThat(nonce[11]).isEqualTo((byte) (aToB.iv()[11] ^ 0x02));
        assertThat(nonce[10]).isEqualTo((byte) (aToB.iv()[10] ^ 0x01));
        assertThat(nonce[0]).isEqualTo(aToB.iv()[0]);
    }

    /** X25519KeyPair draws its private key as 32 random bytes: a "random" source that returns the RFC's key. */
    private static X25519KeyPair withPrivateKey(String hex) {
        byte[] key = HEX.parseHex(hex);
        return X25519KeyPair.generate(new SecureRandom() {
            @Override
            public void nextBytes(byte[] bytes) {
                System.arraycopy(key, 0, bytes, 0, bytes.length);
            }
        });
    }
}
