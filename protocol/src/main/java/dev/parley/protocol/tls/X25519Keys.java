package dev.parley.protocol.tls;

import java.math.BigInteger;
import java.security.KeyRep;
import java.security.MessageDigest;
import java.security.interfaces.XECPrivateKey;
import java.security.interfaces.XECPublicKey;
import java.security.spec.AlgorithmParameterSpec;
import java.security.spec.NamedParameterSpec;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * X25519 keys (RFC 7748 §5) for {@link X25519Services}: the JCA key classes SunJSSE gets from our
 * key pair generator and key factory ({@code XECPublicKey}, {@code XECPrivateKey}, algorithm
 * {@code "XDH"} as the JDK's), and the codec between the JCA's {@code BigInteger} u coordinate and
 * RFC 7748's 32 little-endian bytes. Encodings are X.509 SubjectPublicKeyInfo and PKCS#8
 * (RFC 8410 §4, §7) with fixed headers ({@link Rfc8410}).
 */
final class X25519Keys {
    /** Length of a u coordinate, a scalar and a shared secret: {@value} bytes (RFC 7748 §5). */
    static final int KEY_BYTES = 32;
    /** Field prime p = 2^255 - 19 (RFC 7748 §4.1). */
    static final BigInteger P = BigInteger.ONE.shiftLeft(255).subtract(BigInteger.valueOf(19));
    /** SubjectPublicKeyInfo header: algorithm id-X25519 (1.3.101.110), BIT STRING of 33 bytes (no unused bits). */
    private static final byte[] SPKI_PREFIX = HexFormat.of().parseHex("302a300506032b656e032100");
    /** OneAsymmetricKey v1 header: version 0, id-X25519, OCTET STRING holding CurvePrivateKey, an OCTET STRING of 32 bytes. */
    private static final byte[] PKCS8_PREFIX = HexFormat.of().parseHex("302e020100300506032b656e04220420");

    private X25519Keys() {}

    /** @return true for X25519's parameters ({@link NamedParameterSpec#X25519}, by name as SunEC compares them) */
    static boolean isX25519(AlgorithmParameterSpec params) {
        return params instanceof NamedParameterSpec n && n.getName().equalsIgnoreCase(NamedParameterSpec.X25519.getName());
    }

    /**
     * The u coordinate as the 32 bytes X25519 takes (RFC 7748 §5): {@code u} is read as the value of
     * 32 little-endian bytes, so its bit 255 is masked ("implementations MUST mask the most
     * significant bit in the final byte") and a value in [p, 2^255) is reduced modulo p ("MUST
     * accept non-canonical values and process them as if they had been reduced modulo the field
     * prime"). SunJSSE hands over a peer's key share this way: the 32 bytes, unmasked, as a
     * {@code BigInteger}.
     *
     * @return the canonical encoding (value below p), or null if {@code u} is negative or needs more than 32 bytes
     */
    static byte @Nullable [] encodeU(BigInteger u) {
        if (u.signum() < 0 || u.bitLength() > 8 * KEY_BYTES) {
            return null;
        }
        BigInteger v = u.clearBit(255);
        if (v.compareTo(P) >= 0) {
            v = v.subtract(P); // v < 2^255 < 2p: one subtraction
        }
        byte[] be = v.toByteArray(); // big-endian, at most 32 bytes plus a sign byte since v < 2^255
        byte[] le = new byte[KEY_BYTES];
        for (int i = 0; i < be.length && i < KEY_BYTES; i++) {
            le[i] = be[be.length - 1 - i];
        }
        return le;
    }

    /** @return {@code le} (32 little-endian bytes) as a non-negative integer */
    static BigInteger decodeU(byte[] le) {
        byte[] be = new byte[le.length];
        for (int i = 0; i < le.length; i++) {
            be[i] = le[le.length - 1 - i];
        }
        return new BigInteger(1, be);
    }

    /** @return the raw key of an X.509 X25519 SubjectPublicKeyInfo, or null if {@code der} is not one */
    static byte @Nullable [] fromX509(byte[] der) {
        return Rfc8410.unwrap(der, SPKI_PREFIX);
    }

    /** @return the raw scalar of a PKCS#8 v1 X25519 private key, or null if {@code der} is not one */
    static byte @Nullable [] fromPkcs8(byte[] der) {
        return Rfc8410.unwrap(der, PKCS8_PREFIX);
    }

    /** An X25519 public key: its u coordinate, canonical (below p). */
    static final class Public implements XECPublicKey {
        private static final long serialVersionUID = 1L;
        private final byte[] u;

        /** @param u 32 little-endian bytes, canonical (as {@link #encodeU} gives and X25519 computes); not copied */
        Public(byte[] u) {
            this.u = u;
        }

        /** @return the canonical 32 bytes, shared: callers must not change them */
        byte[] rawU() {
            return u;
        }

        @Override
        public BigInteger getU() {
            return decodeU(u);
        }

        @Override
        public AlgorithmParameterSpec getParams() {
            return NamedParameterSpec.X25519;
        }

        @Override
        public String getAlgorithm() {
            return "XDH"; // as SunEC's keys: SunJSSE's TLS 1.2 code looks keys up by this name
        }

        @Override
        public String getFormat() {
            return "X.509";
        }

        @Override
        public byte[] getEncoded() {
            return Rfc8410.wrap(SPKI_PREFIX, u);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Public other && Arrays.equals(u, other.u);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(u);
        }

        @Override
        public String toString() {
            return "X25519 public key " + HexFormat.of().formatHex(u);
        }

        private Object writeReplace() {
            return new KeyRep(KeyRep.Type.PUBLIC, getAlgorithm(), getFormat(), getEncoded());
        }
    }

    /** An X25519 private key: its 32-byte scalar as given (RFC 7748 §5 clamps it when it is used). */
    static final class Private implements XECPrivateKey {
        private static final long serialVersionUID = 1L;
        private final byte[] scalar;

        /** @param scalar 32 bytes, copied */
        Private(byte[] scalar) {
            if (scalar.length != KEY_BYTES) {
                throw new IllegalArgumentException(String.format("scalar: %d bytes (expected: %d)", scalar.length,
                        KEY_BYTES));
            }
            this.scalar = scalar.clone();
        }

        /** @return the scalar, shared: callers must not change it */
        byte[] rawScalar() {
            return scalar;
        }

        @Override
        public Optional<byte[]> getScalar() {
            return Optional.of(scalar.clone());
        }

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
            return "PKCS#8";
        }

        @Override
        public byte[] getEncoded() {
            return Rfc8410.wrap(PKCS8_PREFIX, scalar);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Private other && MessageDigest.isEqual(scalar, other.scalar); // constant time
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(scalar);
        }

        @Override
        public String toString() {
            return "X25519 private key"; // never the scalar
        }

        private Object writeReplace() {
            return new KeyRep(KeyRep.Type.PRIVATE, getAlgorithm(), getFormat(), getEncoded());
        }
    }
}
