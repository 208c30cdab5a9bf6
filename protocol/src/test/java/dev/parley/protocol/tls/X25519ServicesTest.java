package dev.parley.protocol.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.InvalidKeyException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Security;
import java.security.interfaces.XECPrivateKey;
import java.security.interfaces.XECPublicKey;
import java.security.spec.AlgorithmParameterSpec;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.NamedParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.security.spec.XECPrivateKeySpec;
import java.security.spec.XECPublicKeySpec;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import javax.crypto.KeyAgreement;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** X25519 through the JCA with {@link HandshakeProvider} first, as the TLS handshake uses it. */
class X25519ServicesTest {
    private static final HexFormat HEX = HexFormat.of();
    /**
     * Points whose X25519 with any scalar is all zeros, as 32-byte strings: u = 0, 1, the two points
     * of order 8, p - 1, p (= 0) and p + 1 (= 1) (the first seven of libsodium's and Crypto++'s
     * {@code is_small_order} list).
     */
    private static final List<String> SMALL_ORDER = List.of(
            "0000000000000000000000000000000000000000000000000000000000000000",
            "0100000000000000000000000000000000000000000000000000000000000000",
            "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
            "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",
            "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
            "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
            "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f");
    /**
     * The other five of that list: with bit 255 set, they reduce to small-order points only if the
     * bit is kept (e.g. 2^256 - 39 = p - 1 mod p). RFC 7748 §5 masks it (p - 20 then), so they are
     * ordinary keys. (The JDK's SunJSSE hands SunEC the unmasked value, which SunEC reduces modulo p.)
     */
    private static final List<String> SMALL_ORDER_ONLY_UNMASKED = List.of(
            "cdeb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b880",
            "4c9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f11d7",
            "d9ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
            "daffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
            "dbffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff");
    private static Provider ours;
    private static Provider sunEc;

    @BeforeAll
    static void providers() {
        Tls.client(KeyVerifier.anyKey()); // loading Tls installs the provider, as every role does
        ours = Security.getProvider(HandshakeProvider.NAME);
        sunEc = Security.getProvider("SunEC");
        assertThat(Security.getProviders()[0]).isSameAs(ours);
    }

    /** @return the value of {@code hex} read as little-endian bytes, bit 255 unmasked: as SunJSSE reads a key share */
    private static BigInteger u(String hex) {
        return X25519Keys.decodeU(HEX.parseHex(hex));
    }

    private static PrivateKey privateKey(String scalarHex) throws GeneralSecurityException {
        return KeyFactory.getInstance("XDH").generatePrivate(new XECPrivateKeySpec(NamedParameterSpec.X25519,
                HEX.parseHex(scalarHex)));
    }

    private static PublicKey publicKey(BigInteger u) throws GeneralSecurityException {
        return KeyFactory.getInstance("XDH").generatePublic(new XECPublicKeySpec(NamedParameterSpec.X25519, u));
    }

    /** X25519 through {@code KeyAgreement.getInstance("XDH")}, which must pick {@code provider} (null: ours) by the key */
    private static byte[] agree(Provider provider, PrivateKey own, PublicKey peer) throws GeneralSecurityException {
        KeyAgreement ka = provider == null ? KeyAgreement.getInstance("XDH") : KeyAgreement.getInstance("XDH", provider);
        ka.init(own);
        ka.doPhase(peer, true);
        byte[] secret = ka.generateSecret("TlsPremasterSecret").getEncoded();
        assertThat(ka.getProvider()).isSameAs(provider == null ? ours : provider);
        return secret;
    }

    private static String x25519(String scalarHex, BigInteger u) throws GeneralSecurityException {
        return HEX.formatHex(agree(null, privateKey(scalarHex), publicKey(u)));
    }

    @Test
    void rfc7748ScalarMultiplicationVectors() throws Exception {
        // RFC 7748 §5.2: the second u has bit 255 set, which X25519 masks
        assertThat(x25519("a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4",
                u("e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c")))
                .isEqualTo("c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552");
        assertThat(x25519("4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d",
                u("e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a493")))
                .isEqualTo("95cbde9476e8907d7aade45cb4b873f88b595a68799fa152e6f8f7647aac7957");
    }

    @Test
    void rfc7748IteratedVectors() throws Exception {
        // RFC 7748 §5.2: k = u = 9; then k, u = X25519(k, u), k; after 1 and 1,000 iterations
        String k = "0900000000000000000000000000000000000000000000000000000000000000";
        String u = k;
        for (int i = 1; i <= 1_000; i++) {
            String next = x25519(k, u(u));
            u = k;
            k = next;
            if (i == 1) {
                assertThat(k).isEqualTo("422c8e7a6227d7bca1350b3e2bb7279f7897b87bb6854b783c60e80311ae3079");
            }
        }
        assertThat(k).isEqualTo("684cf59ba83309552800ef566f2f4d3c1c3887c49360e3875f2eb94d99532c51");
    }

    @Test
    void rfc7748DiffieHellmanVector() throws Exception {
        // RFC 7748 §6.1: Alice's and Bob's key pairs and their shared secret
        String a = "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a";
        String alicePublic = "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a";
        String b = "5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb";
        String bobPublic = "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f";
        String shared = "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742";
        BigInteger nine = BigInteger.valueOf(9); // the base point
        assertThat(x25519(a, nine)).isEqualTo(alicePublic);
        assertThat(x25519(b, nine)).isEqualTo(bobPublic);
        assertThat(x25519(a, u(bobPublic))).isEqualTo(shared);
        assertThat(x25519(b, u(alicePublic))).isEqualTo(shared);
        XECPublicKey key = (XECPublicKey) publicKey(u(bobPublic));
        assertThat(key).isInstanceOf(X25519Keys.Public.class);
        assertThat(key.getU()).isEqualTo(u(bobPublic));
    }

    private static SecureRandom seeded(long seed) throws GeneralSecurityException {
        SecureRandom r = SecureRandom.getInstance("SHA1PRNG");
        r.setSeed(seed);
        return r;
    }

    private static KeyPair generate(Provider provider, SecureRandom random) throws GeneralSecurityException {
        KeyPairGenerator g = KeyPairGenerator.getInstance("XDH", provider);
        g.initialize(NamedParameterSpec.X25519, random);
        return g.generateKeyPair();
    }

    @Test
    void agreesWithSunEcBothWays() throws Exception {
        SecureRandom ourRandom = seeded(1);
        SecureRandom theirRandom = seeded(2);
        for (int i = 0; i < 300; i++) {
            KeyPair a = generate(ours, ourRandom);
            KeyPair b = generate(sunEc, theirRandom);
            assertThat(a.getPublic()).isInstanceOf(X25519Keys.Public.class);
            assertThat(b.getPublic()).isNotInstanceOf(X25519Keys.Public.class);
            byte[] secret = agree(ours, a.getPrivate(), b.getPublic());
            assertThat(agree(sunEc, b.getPrivate(), a.getPublic())).isEqualTo(secret);
            assertThat(agree(sunEc, a.getPrivate(), b.getPublic())).isEqualTo(secret); // SunEC with our private key
            assertThat(agree(null, b.getPrivate(), a.getPublic())).isEqualTo(secret); // ours with SunEC's private key
        }
    }

    @Test
    void keysEncodeAsSunEcsAndTranslate() throws Exception {
        KeyPair pair = generate(ours, seeded(3));
        XECPublicKey pub = (XECPublicKey) pair.getPublic();
        XECPrivateKey priv = (XECPrivateKey) pair.getPrivate();
        KeyFactory jdk = KeyFactory.getInstance("XDH", sunEc);
        XECPublicKey jdkPub = (XECPublicKey) jdk.generatePublic(new XECPublicKeySpec(NamedParameterSpec.X25519, pub.getU()));
        XECPrivateKey jdkPriv = (XECPrivateKey) jdk.generatePrivate(new XECPrivateKeySpec(NamedParameterSpec.X25519,
                priv.getScalar().orElseThrow()));
        assertThat(pub.getEncoded()).isEqualTo(jdkPub.getEncoded());
        assertThat(priv.getEncoded()).isEqualTo(jdkPriv.getEncoded());
        assertThat(((XECPublicKey) jdk.generatePublic(new X509EncodedKeySpec(pub.getEncoded()))).getU()).isEqualTo(pub.getU());
        assertThat(((XECPrivateKey) jdk.generatePrivate(new PKCS8EncodedKeySpec(priv.getEncoded()))).getScalar()
                .orElseThrow()).isEqualTo(priv.getScalar().orElseThrow());

        KeyFactory f = KeyFactory.getInstance("XDH", ours);
        assertThat(f.generatePublic(new X509EncodedKeySpec(jdkPub.getEncoded()))).isEqualTo(pub);
        assertThat(f.generatePrivate(new PKCS8EncodedKeySpec(jdkPriv.getEncoded()))).isEqualTo(priv);
        assertThat(f.translateKey(jdkPub)).isEqualTo(pub);
        assertThat(f.translateKey(jdkPriv)).isEqualTo(priv).hasSameHashCodeAs(priv);
        assertThat(f.getKeySpec(pub, XECPublicKeySpec.class).getU()).isEqualTo(pub.getU());
        assertThat(f.getKeySpec(priv, XECPrivateKeySpec.class).getScalar()).isEqualTo(priv.getScalar().orElseThrow());
        assertThat(pub.getAlgorithm()).isEqualTo(jdkPub.getAlgorithm()).isEqualTo("XDH");
        assertThat(((NamedParameterSpec) pub.getParams()).getName()).isEqualTo("X25519");
        assertThat(priv.toString()).doesNotContain(HEX.formatHex(priv.getScalar().orElseThrow()));

        byte[] scalar = priv.getScalar().orElseThrow();
        scalar[0] ^= 1; // a copy: changing it changes nothing
        assertThat(priv.getScalar().orElseThrow()).isNotEqualTo(scalar);
    }

    @Test
    void reusableAfterGenerateSecretAndSecretsKeepLeadingZeros() throws Exception {
        SecureRandom random = seeded(4);
        KeyPair own = generate(ours, random);
        KeyAgreement ka = KeyAgreement.getInstance("XDH");
        ka.init(own.getPrivate());
        int leadingZero = 0;
        for (int i = 0; i < 600; i++) {
            KeyPair peer = generate(sunEc, random);
            ka.doPhase(peer.getPublic(), true); // the same private key, no init: the JCA contract
            byte[] secret = i % 2 == 0 ? ka.generateSecret() : ka.generateSecret("TlsPremasterSecret").getEncoded();
            assertThat(secret).hasSize(32).isEqualTo(agree(sunEc, peer.getPrivate(), own.getPublic()));
            leadingZero += secret[0] == 0 ? 1 : 0;
        }
        assertThat(leadingZero).as("secrets with a leading zero byte, kept whole").isPositive();
        assertThatThrownBy(ka::generateSecret).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> ka.generateSecret("AES")).isInstanceOf(GeneralSecurityException.class);
    }

    /**
     * The small-order points as given, plus their other 32-byte strings: u + p where that is below
     * 2^255 (not reduced), and each with bit 255 set (masked).
     */
    private static List<BigInteger> smallOrderValues() {
        List<BigInteger> out = new ArrayList<>();
        for (String hex : SMALL_ORDER) {
            BigInteger u = u(hex);
            BigInteger plusP = u.add(X25519Keys.P);
            for (BigInteger v : plusP.bitLength() <= 255 ? List.of(u, plusP) : List.of(u)) {
                for (BigInteger w : List.of(v, v.setBit(255))) {
                    if (!out.contains(w)) {
                        out.add(w);
                    }
                }
            }
        }
        return out;
    }

    @Test
    void smallOrderPublicKeysAreRefusedNeverAZeroSecret() throws Exception {
        SecureRandom random = seeded(5);
        List<PrivateKey> keys = List.of(generate(ours, random).getPrivate(), generate(sunEc, random).getPrivate());
        List<BigInteger> values = smallOrderValues();
        assertThat(values).hasSizeGreaterThan(SMALL_ORDER.size());
        for (BigInteger u : values) {
            for (PrivateKey own : keys) {
                PublicKey peer = publicKey(u);
                assertThatThrownBy(() -> agree(null, own, peer)).as("u = %s", u.toString(16))
                        .isInstanceOf(InvalidKeyException.class).hasMessageContaining("all zeros")
                        .hasMessageContaining("RFC 7748 §6.1");
            }
        }
        for (String hex : SMALL_ORDER_ONLY_UNMASKED) { // masked as RFC 7748 §5 says: ordinary keys
            byte[] secret = agree(null, keys.get(0), publicKey(u(hex)));
            assertThat(secret).isEqualTo(agree(sunEc, keys.get(0), KeyFactory.getInstance("XDH", sunEc)
                    .generatePublic(new XECPublicKeySpec(NamedParameterSpec.X25519, u(hex).clearBit(255)))));
        }
        // the JDK's key of u = 0 too
        PublicKey jdkZero = KeyFactory.getInstance("XDH", sunEc).generatePublic(
                new XECPublicKeySpec(NamedParameterSpec.X25519, BigInteger.ZERO));
        assertThatThrownBy(() -> agree(null, keys.get(0), jdkZero)).isInstanceOf(InvalidKeyException.class);
    }

    /** A foreign X25519 public key with any u, as a third-party provider might hand over. */
    private record ForeignKey(BigInteger getU) implements XECPublicKey {
        @Override
        public AlgorithmParameterSpec getParams() {
            return NamedParameterSpec.X25519;
        }

        @Override
        public String getAlgorithm() {
            return "XDH";
        }

        @Override
        public String getFormat() {
            return null;
        }

        @Override
        public byte[] getEncoded() {
            return null;
        }
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void randomPublicKeysAgreeAsSunEcDoesOrAreRefused() throws Exception {
        Random random = new Random(42);
        PrivateKey own = generate(ours, seeded(6)).getPrivate();
        KeyAgreement jdk = KeyAgreement.getInstance("XDH", sunEc);
        KeyFactory ourFactory = KeyFactory.getInstance("XDH", ours);
        int agreed = 0;
        int refused = 0;
        for (int i = 0; i < 4_000; i++) {
            BigInteger u = switch (i % 4) {
                case 0 -> new BigInteger(1, randomBytes(random, 32)); // any 32 bytes, as a key share
                case 1 -> new BigInteger(random.nextInt(300), random); // up to 2^300
                case 2 -> new BigInteger(random.nextInt(300), random).negate();
                default -> u(SMALL_ORDER.get(random.nextInt(SMALL_ORDER.size()))).xor(BigInteger.ONE.shiftLeft(random.nextInt(256)));
            };
            try {
                PublicKey peer = i % 3 == 0 ? new ForeignKey(u)
                        : (i % 3 == 1 ? ourFactory : KeyFactory.getInstance("XDH"))
                                .generatePublic(new XECPublicKeySpec(NamedParameterSpec.X25519, u));
                byte[] secret = agree(null, own, peer);
                agreed++;
                // RFC 7748 §5: the u of a 32-byte string is masked, then reduced; SunEC's u must be given masked
                BigInteger masked = u.signum() >= 0 && u.bitLength() <= 256 ? u.clearBit(255)
                        : ((XECPublicKey) peer).getU(); // a value no 32 bytes hold: the JDK's key factory took it
                jdk.init(own);
                jdk.doPhase(KeyFactory.getInstance("XDH", sunEc).generatePublic(
                        new XECPublicKeySpec(NamedParameterSpec.X25519, masked)), true);
                assertThat(secret).as("u = %s", u.toString(16)).isEqualTo(jdk.generateSecret());
            } catch (InvalidKeyException | InvalidKeySpecException e) {
                refused++;
            } catch (Exception e) {
                fail("u = " + u.toString(16) + ": " + e, e);
            }
        }
        assertThat(agreed).isGreaterThan(1_000);
        assertThat(refused).isGreaterThan(100);
    }

    private static byte[] randomBytes(Random random, int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }

    @Test
    void otherParametersAndKeysAreRefusedByOurServices() {
        assertThatThrownBy(() -> new X25519Services.Generator().initialize(NamedParameterSpec.X448, null))
                .hasMessageContaining("not X25519: X448");
        assertThatThrownBy(() -> new X25519Services.Generator().initialize(448, null))
                .hasMessageContaining("keysize: 448 (expected: 255, X25519)");
        assertThatThrownBy(() -> new X25519Services.Factory().engineGeneratePublic(
                new XECPublicKeySpec(NamedParameterSpec.X448, BigInteger.TEN))).isInstanceOf(InvalidKeySpecException.class);
        assertThatThrownBy(() -> new X25519Services.Factory().engineGeneratePublic(
                new XECPublicKeySpec(NamedParameterSpec.X25519, BigInteger.ONE.shiftLeft(256))))
                .isInstanceOf(InvalidKeySpecException.class).hasMessageContaining("257 bits");
        assertThatThrownBy(() -> new X25519Services.Factory().engineGeneratePrivate(
                new XECPrivateKeySpec(NamedParameterSpec.X25519, new byte[31])))
                .isInstanceOf(InvalidKeySpecException.class).hasMessageContaining("scalar: 31 bytes (expected: 32)");
        assertThatThrownBy(() -> new X25519Services.Agreement().engineInit(
                generate(sunEc, seeded(7)).getPublic(), null)).isInstanceOf(InvalidKeyException.class);
    }
}
