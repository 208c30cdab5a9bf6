package dev.parley.protocol.tls;

import java.math.BigInteger;
import java.security.InvalidAlgorithmParameterException;
import java.security.InvalidKeyException;
import java.security.InvalidParameterException;
import java.security.Key;
import java.security.KeyFactorySpi;
import java.security.KeyPair;
import java.security.KeyPairGeneratorSpi;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.interfaces.XECKey;
import java.security.interfaces.XECPrivateKey;
import java.security.interfaces.XECPublicKey;
import java.security.spec.AlgorithmParameterSpec;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.KeySpec;
import java.security.spec.NamedParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.security.spec.XECPrivateKeySpec;
import java.security.spec.XECPublicKeySpec;
import java.util.Arrays;
import javax.crypto.KeyAgreementSpi;
import javax.crypto.SecretKey;
import javax.crypto.ShortBufferException;
import javax.crypto.spec.SecretKeySpec;
import org.bouncycastle.math.ec.rfc7748.X25519;

/**
 * X25519 (RFC 7748 §5, §6.1) by BouncyCastle's lightweight {@link X25519} as the JCA services
 * SunJSSE asks for in a TLS 1.3 handshake with the x25519 group (RFC 8446 §4.2.8.2), installed
 * ahead of the JDK's provider ({@link HandshakeProvider}). In JDK 21 to 25,
 * {@code sun.security.ssl.XDHKeyExchange} makes its key share with
 * {@code KeyPairGenerator.getInstance("XDH")} initialized with {@link NamedParameterSpec#X25519} and
 * the handshake's random, reads {@link XECPublicKey#getU()} to send it, turns the peer's share into
 * a key with {@code KeyFactory.getInstance("XDH").generatePublic(new XECPublicKeySpec(X25519, u))},
 * and {@code KAKeyDerivation} computes the shared secret with {@code KeyAgreement.getInstance("XDH")}
 * and {@code generateSecret("TlsPremasterSecret")}, the input of the key schedule's HKDF.
 *
 * <p>Why: while hundreds of clients rejoined at once after their super node died, the JDK's X25519
 * was about a third of a client's CPU; BouncyCastle's key generation and agreement take about
 * 140 µs against the JDK's 330 to 355 µs, and a handshake with both this and {@link P256Ecdsa}
 * costs a client about 850 µs of CPU instead of 1,550 µs, a super node 450 µs instead of 760 µs
 * ({@code parley bench tls}; docs/security.md).
 *
 * <p>Only X25519: X448 parameters and keys, and anything else, throw (InvalidAlgorithmParameterException,
 * InvalidKeySpecException, InvalidKeyException), and the JCA moves on to the JDK's provider (the key
 * pair generator's and key factory's failover, the key agreement's delayed provider selection). A
 * peer key of small order, whose shared secret is all zeros, is refused with InvalidKeyException as
 * RFC 7748 §6.1 and RFC 8446 §7.4.2 require: SunJSSE then fails the handshake.
 */
final class X25519Services {
    private X25519Services() {}

    /** {@code KeyPairGenerator}: new key pairs from the random given to {@code initialize}. */
    static final class Generator extends KeyPairGeneratorSpi {
        private SecureRandom random;

        @Override
        public void initialize(int keysize, SecureRandom random) {
            if (keysize != 255) { // SunEC: 255 is X25519, 448 X448
                throw new InvalidParameterException(String.format("keysize: %d (expected: 255, X25519)", keysize));
            }
            this.random = random;
        }

        @Override
        public void initialize(AlgorithmParameterSpec params, SecureRandom random)
                throws InvalidAlgorithmParameterException {
            if (!X25519Keys.isX25519(params)) {
                throw new InvalidAlgorithmParameterException("not X25519: " + describe(params));
            }
            this.random = random;
        }

        @Override
        public KeyPair generateKeyPair() {
            if (random == null) { // used without initialize: X25519 by default, as SunEC's
                random = new SecureRandom();
            }
            byte[] k = new byte[X25519Keys.KEY_BYTES];
            X25519.generatePrivateKey(random, k);
            byte[] u = new byte[X25519Keys.KEY_BYTES];
            X25519.generatePublicKey(k, 0, u, 0);
            KeyPair pair = new KeyPair(new X25519Keys.Public(u), new X25519Keys.Private(k));
            Arrays.fill(k, (byte) 0);
            return pair;
        }
    }

    /** {@code KeyFactory}: X25519 keys from {@code XEC*KeySpec}s, X.509 and PKCS#8, and back. */
    static final class Factory extends KeyFactorySpi {
        @Override
        protected PublicKey engineGeneratePublic(KeySpec spec) throws InvalidKeySpecException {
            byte[] u;
            if (spec instanceof XECPublicKeySpec xec && X25519Keys.isX25519(xec.getParams())) {
                u = X25519Keys.encodeU(xec.getU());
                if (u == null) {
                    throw new InvalidKeySpecException("u: " + xec.getU().bitLength()
                            + " bits or negative (expected: 0 <= u < 2^256, 32 little-endian bytes)");
                }
            } else if (spec instanceof X509EncodedKeySpec x509 && (u = X25519Keys.fromX509(x509.getEncoded())) != null) {
                u = X25519Keys.encodeU(X25519Keys.decodeU(u)); // masked and reduced as any other u
            } else {
                throw new InvalidKeySpecException("not an X25519 public key spec: " + describe(spec));
            }
            return new X25519Keys.Public(u);
        }

        @Override
        protected PrivateKey engineGeneratePrivate(KeySpec spec) throws InvalidKeySpecException {
            byte[] k;
            if (spec instanceof XECPrivateKeySpec xec && X25519Keys.isX25519(xec.getParams())) {
                k = xec.getScalar();
                if (k.length != X25519Keys.KEY_BYTES) {
                    throw new InvalidKeySpecException(String.format("scalar: %d bytes (expected: %d)", k.length,
                            X25519Keys.KEY_BYTES));
                }
            } else if (spec instanceof PKCS8EncodedKeySpec pkcs8 && (k = X25519Keys.fromPkcs8(pkcs8.getEncoded())) != null) {
                // a v1 key; a v2 one (with the public key) is left to the JDK's provider
            } else {
                throw new InvalidKeySpecException("not an X25519 private key spec: " + describe(spec));
            }
            try {
                return new X25519Keys.Private(k);
            } finally {
                Arrays.fill(k, (byte) 0);
            }
        }

        @Override
        protected <T extends KeySpec> T engineGetKeySpec(Key key, Class<T> type) throws InvalidKeySpecException {
            Key ours;
            try {
                ours = engineTranslateKey(key);
            } catch (InvalidKeyException e) {
                throw new InvalidKeySpecException(e.getMessage(), e);
            }
            if (ours instanceof X25519Keys.Public pub) {
                if (type.isAssignableFrom(XECPublicKeySpec.class)) {
                    return type.cast(new XECPublicKeySpec(NamedParameterSpec.X25519, pub.getU()));
                } else if (type.isAssignableFrom(X509EncodedKeySpec.class)) {
                    return type.cast(new X509EncodedKeySpec(pub.getEncoded()));
                }
            } else if (ours instanceof X25519Keys.Private priv) {
                if (type.isAssignableFrom(XECPrivateKeySpec.class)) {
                    return type.cast(new XECPrivateKeySpec(NamedParameterSpec.X25519, priv.rawScalar()));
                } else if (type.isAssignableFrom(PKCS8EncodedKeySpec.class)) {
                    return type.cast(new PKCS8EncodedKeySpec(priv.getEncoded()));
                }
            }
            throw new InvalidKeySpecException("cannot give an X25519 key as " + type.getName());
        }

        @Override
        protected Key engineTranslateKey(Key key) throws InvalidKeyException {
            if (key instanceof X25519Keys.Public || key instanceof X25519Keys.Private) {
                return key;
            }
            if (key instanceof XECPublicKey pub && X25519Keys.isX25519(pub.getParams())) {
                return new X25519Keys.Public(publicU(pub));
            }
            if (key instanceof XECPrivateKey priv && X25519Keys.isX25519(priv.getParams())) {
                byte[] k = scalar(priv);
                try {
                    return new X25519Keys.Private(k);
                } finally {
                    Arrays.fill(k, (byte) 0);
                }
            }
            throw new InvalidKeyException("not an X25519 key: " + describe(key));
        }
    }

    /**
     * {@code KeyAgreement}: X25519(own scalar, peer's u) (RFC 7748 §6.1) with any X25519
     * {@link XECPrivateKey} and {@link XECPublicKey} (the JDK's too). Reusable as the JCA says:
     * after {@code generateSecret} the same private key agrees with the next {@code doPhase}.
     */
    static final class Agreement extends KeyAgreementSpi {
        private byte[] scalar;
        private byte[] secret;

        @Override
        protected void engineInit(Key key, SecureRandom random) throws InvalidKeyException {
            if (!(key instanceof XECPrivateKey priv) || !X25519Keys.isX25519(priv.getParams())) {
                throw new InvalidKeyException("not an X25519 private key: " + describe(key));
            }
            clear();
            scalar = scalar(priv);
        }

        @Override
        protected void engineInit(Key key, AlgorithmParameterSpec params, SecureRandom random)
                throws InvalidKeyException, InvalidAlgorithmParameterException {
            if (params != null && !X25519Keys.isX25519(params)) {
                throw new InvalidAlgorithmParameterException("not X25519: " + describe(params));
            }
            engineInit(key, random);
        }

        @Override
        protected Key engineDoPhase(Key key, boolean lastPhase) throws InvalidKeyException {
            if (scalar == null) {
                throw new IllegalStateException("not initialized");
            }
            if (secret != null) {
                throw new IllegalStateException("phase already done: generateSecret first");
            }
            if (!lastPhase) {
                throw new IllegalStateException("X25519 has one phase: lastPhase must be true");
            }
            if (!(key instanceof XECPublicKey pub) || !X25519Keys.isX25519(pub.getParams())) {
                throw new InvalidKeyException("not an X25519 public key: " + describe(key));
            }
            byte[] out = new byte[X25519Keys.KEY_BYTES];
            if (!X25519.calculateAgreement(scalar, 0, publicU(pub), 0, out, 0)) {
                throw new InvalidKeyException("X25519 shared secret is all zeros: the peer's key has small order"
                        + " (RFC 7748 §6.1, RFC 8446 §7.4.2)");
            }
            secret = out;
            return null;
        }

        @Override
        protected byte[] engineGenerateSecret() {
            return takeSecret();
        }

        @Override
        protected int engineGenerateSecret(byte[] sharedSecret, int offset) throws ShortBufferException {
            if (secret == null) {
                throw new IllegalStateException("no shared secret: doPhase first");
            }
            if (sharedSecret.length - offset < secret.length) {
                throw new ShortBufferException(String.format("sharedSecret: %d bytes from offset %d (expected: %d)",
                        sharedSecret.length, offset, secret.length));
            }
            byte[] out = takeSecret();
            System.arraycopy(out, 0, sharedSecret, offset, out.length);
            Arrays.fill(out, (byte) 0);
            return out.length;
        }

        /**
         * @return the 32 bytes as they are, leading zeros kept (RFC 8446 §7.4.2: unlike finite-field
         *     DH's, an X25519 shared secret is used whole)
         */
        @Override
        protected SecretKey engineGenerateSecret(String algorithm) throws NoSuchAlgorithmException {
            if (!"TlsPremasterSecret".equalsIgnoreCase(algorithm) && !"Generic".equalsIgnoreCase(algorithm)) {
                throw new NoSuchAlgorithmException("secret key algorithm: " + algorithm
                        + " (expected: TlsPremasterSecret or Generic, as the JDK's)");
            }
            byte[] out = takeSecret();
            try {
                return new SecretKeySpec(out, algorithm);
            } finally {
                Arrays.fill(out, (byte) 0); // SecretKeySpec keeps a copy
            }
        }

        private byte[] takeSecret() {
            if (secret == null) {
                throw new IllegalStateException("no shared secret: doPhase first");
            }
            byte[] out = secret;
            secret = null; // the next doPhase, with the same private key, may follow
            return out;
        }

        private void clear() {
            if (scalar != null) {
                Arrays.fill(scalar, (byte) 0);
            }
            if (secret != null) {
                Arrays.fill(secret, (byte) 0);
            }
            scalar = null;
            secret = null;
        }
    }

    /** @return the canonical u of any X25519 public key */
    private static byte[] publicU(XECPublicKey key) throws InvalidKeyException {
        if (key instanceof X25519Keys.Public ours) {
            return ours.rawU(); // ours are canonical already: no BigInteger round trip on the TLS path
        }
        BigInteger u = key.getU();
        byte[] raw = u == null ? null : X25519Keys.encodeU(u);
        if (raw == null) {
            throw new InvalidKeyException("X25519 public key: u " + (u == null ? "missing"
                    : u.bitLength() + " bits or negative") + " (expected: 0 <= u < 2^256, 32 little-endian bytes)");
        }
        return raw;
    }

    /** @return a copy of the scalar of any X25519 private key */
    private static byte[] scalar(XECPrivateKey key) throws InvalidKeyException {
        byte[] k = key instanceof X25519Keys.Private ours ? ours.rawScalar().clone()
                : key.getScalar().orElseThrow(() -> new InvalidKeyException("X25519 private key without its scalar"));
        if (k.length != X25519Keys.KEY_BYTES) {
            throw new InvalidKeyException(String.format("X25519 private key: %d bytes (expected: %d)", k.length,
                    X25519Keys.KEY_BYTES));
        }
        return k;
    }

    /** @return what an object refused is, for messages: its class and, for keys and parameters, their name */
    private static String describe(Object o) {
        if (o instanceof NamedParameterSpec n) {
            return n.getName();
        } else if (o instanceof XECKey xec) {
            return describe(xec.getParams());
        } else if (o instanceof Key k) {
            return k.getAlgorithm();
        }
        return o == null ? "null" : o.getClass().getSimpleName();
    }
}
