package dev.parley.protocol.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.AlgorithmParameters;
import java.security.InvalidKeyException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPoint;
import java.security.spec.ECPrivateKeySpec;
import java.security.spec.ECPublicKeySpec;
import java.util.Random;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.DERSequence;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class P256EcdsaTest {
    // RFC 6979 §A.2.5 (ECDSA, 256 bits, prime field): private key x and public key (Ux, Uy)
    private static final BigInteger X = new BigInteger("C9AFA9D845BA75166B5C215767B1D6934E50C3DB36E89B127B8A622B120F6721", 16);
    private static final BigInteger UX = new BigInteger("60FED4BA255A9D31C961EB74C6356D68C049B8923B61FA6CE669622E60F29FB6", 16);
    private static final BigInteger UY = new BigInteger("7903FE1008B8BC99A41AE9E95628BC64F2F1B20C2D7E9F5177A3C294D4462299", 16);
    private static final BigInteger N = new BigInteger("FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551", 16);
    private static PrivateKey rfcPrivate;
    private static PublicKey rfcPublic;

    @BeforeAll
    static void keys() throws Exception {
        Tls.client(KeyVerifier.anyKey()); // loading Tls installs the provider, as every role does
        AlgorithmParameters p = AlgorithmParameters.getInstance("EC", "SunEC");
        p.init(new ECGenParameterSpec("secp256r1"));
        ECParameterSpec spec = p.getParameterSpec(ECParameterSpec.class);
        KeyFactory f = KeyFactory.getInstance("EC", "SunEC");
        rfcPrivate = f.generatePrivate(new ECPrivateKeySpec(X, spec));
        rfcPublic = f.generatePublic(new ECPublicKeySpec(new ECPoint(UX, UY), spec));
    }

    private static byte[] der(String r, String s) throws Exception {
        return new DERSequence(new ASN1Integer[] {new ASN1Integer(new BigInteger(r, 16)),
                new ASN1Integer(new BigInteger(s, 16))}).getEncoded();
    }

    private static byte[] sign(PrivateKey key, byte[] message) throws Exception {
        Signature s = Signature.getInstance("SHA256withECDSA");
        s.initSign(key, new SecureRandom());
        s.update(message);
        assertThat(s.getProvider().getName()).isEqualTo(HandshakeProvider.NAME);
        return s.sign();
    }

    private static boolean verify(String provider, PublicKey key, byte[] message, byte[] signature) throws Exception {
        Signature s = provider == null ? Signature.getInstance("SHA256withECDSA")
                : Signature.getInstance("SHA256withECDSA", provider);
        s.initVerify(key);
        s.update(message);
        return s.verify(signature);
    }

    @Test
    void rfc6979VectorsAreSignedExactly() throws Exception {
        // RFC 6979 §A.2.5, With SHA-256, message = "sample" and message = "test"
        assertThat(sign(rfcPrivate, "sample".getBytes(StandardCharsets.US_ASCII))).isEqualTo(der(
                "EFD48B2AACB6A8FD1140DD9CD45E81D69D2C877B56AAF991C34D0EA84EAF3716",
                "F7CB1C942D657C41D436C7A1B6E29F65F3E900DBB9AFF4064DC4AB2F843ACDA8"));
        assertThat(sign(rfcPrivate, "test".getBytes(StandardCharsets.US_ASCII))).isEqualTo(der(
                "F1ABB023518351CD71D881567B1EA663ED3EFCF6C5132B354F28D3B0B7D38367",
                "019F4113742A2B14BD25926B49C649155F267E60D3814B4C0CC84250E46F0083"));
    }

    @Test
    void signaturesInteroperateWithTheJdkBothWays() throws Exception {
        Random random = new Random(7);
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC", "SunEC");
        g.initialize(new ECGenParameterSpec("secp256r1"), new SecureRandom(new byte[] {7}));
        for (int i = 0; i < 20; i++) {
            KeyPair kp = g.generateKeyPair();
            byte[] message = new byte[random.nextInt(300)];
            random.nextBytes(message);
            byte[] ours = sign(kp.getPrivate(), message);
            assertThat(verify("SunEC", kp.getPublic(), message, ours)).isTrue();

            Signature jdk = Signature.getInstance("SHA256withECDSA", "SunEC");
            jdk.initSign(kp.getPrivate());
            jdk.update(message);
            byte[] theirs = jdk.sign();
            assertThat(verify(null, kp.getPublic(), message, theirs)).isTrue();
            message[0] ^= 1;
            assertThat(verify(null, kp.getPublic(), message, theirs)).isFalse();
        }
    }

    @Test
    void outOfRangeAndNonDerSignaturesAreRefused() throws Exception {
        byte[] message = "sample".getBytes(StandardCharsets.US_ASCII);
        String r = "EFD48B2AACB6A8FD1140DD9CD45E81D69D2C877B56AAF991C34D0EA84EAF3716";
        String s = "F7CB1C942D657C41D436C7A1B6E29F65F3E900DBB9AFF4064DC4AB2F843ACDA8";
        assertThat(verify(null, rfcPublic, message, der(r, s))).isTrue();
        assertThat(verify(null, rfcPublic, message, der(r, new BigInteger(s, 16).add(N).toString(16)))).isFalse();
        assertThat(verify(null, rfcPublic, message, der("0", s))).isFalse();
        assertThat(verify(null, rfcPublic, message, der(N.toString(16), s))).isFalse();
        byte[] good = der(r, s);
        byte[] trailing = new byte[good.length + 1];
        System.arraycopy(good, 0, trailing, 0, good.length);
        assertThat(verify(null, rfcPublic, message, trailing)).isFalse();
    }

    @Test
    void randomBytesAsSignaturesAreFalseNeverAnException() throws Exception {
        Random random = new Random(11);
        byte[] message = "fuzz".getBytes(StandardCharsets.US_ASCII);
        byte[] good = der("EFD48B2AACB6A8FD1140DD9CD45E81D69D2C877B56AAF991C34D0EA84EAF3716",
                "F7CB1C942D657C41D436C7A1B6E29F65F3E900DBB9AFF4064DC4AB2F843ACDA8");
        for (int i = 0; i < 5_000; i++) {
            byte[] junk;
            if (i % 2 == 0) {
                junk = new byte[random.nextInt(120)];
                random.nextBytes(junk);
            } else { // mutate a well-formed signature: the DER parser sees plausible structure
                junk = good.clone();
                junk[random.nextInt(junk.length)] = (byte) random.nextInt(256);
            }
            assertThat(verify(null, rfcPublic, message, junk)).isFalse();
        }
    }

    @Test
    void otherCurvesFallThroughToTheJdk() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC", "SunEC");
        g.initialize(new ECGenParameterSpec("secp384r1"), new SecureRandom(new byte[] {3}));
        KeyPair kp = g.generateKeyPair();
        Signature s = Signature.getInstance("SHA256withECDSA");
        s.initSign(kp.getPrivate());
        s.update(new byte[] {1, 2, 3});
        byte[] signature = s.sign();
        assertThat(s.getProvider().getName()).isEqualTo("SunEC");
        assertThat(verify(null, kp.getPublic(), new byte[] {1, 2, 3}, signature)).isTrue();
        assertThatThrownBy(() -> new P256Ecdsa().engineInitVerify(kp.getPublic()))
                .isInstanceOf(InvalidKeyException.class).hasMessageContaining("not a P-256 public key");
    }
}
