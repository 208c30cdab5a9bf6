package dev.parley.protocol;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.HexFormat;
import org.bouncycastle.crypto.AsymmetricCipherKeyPair;
import org.bouncycastle.crypto.agreement.X25519Agreement;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.generators.HKDFBytesGenerator;
import org.bouncycastle.crypto.params.HKDFParameters;
import org.bouncycastle.crypto.params.X25519PrivateKeyParameters;
import org.bouncycastle.crypto.params.X25519PublicKeyParameters;

/**
 * An X25519 key-agreement key pair (RFC 7748 §5) backed by BouncyCastle: a super node's mesh key,
 * a call's ephemeral key share.
 */
public final class X25519KeyPair {
    /** Length of a raw private key, public key and shared secret ({@value} bytes). */
    public static final int KEY_BYTES = 32;

    private final X25519PrivateKeyParameters privateKey;
    private final byte[] publicKey;

    private X25519KeyPair(X25519PrivateKeyParameters privateKey) {
        this.privateKey = privateKey;
        this.publicKey = privateKey.generatePublicKey().getEncoded();
    }

    /** @return a new key pair from {@code random} */
    public static X25519KeyPair generate(SecureRandom random) {
        return new X25519KeyPair(new X25519PrivateKeyParameters(random));
    }

    /**
     * @param raw 32 random bytes (clamped as RFC 7748 §5 says)
     * @return the key pair with that private key
     * @throws IllegalArgumentException if {@code raw} is not 32 bytes
     */
    public static X25519KeyPair fromPrivateKey(byte[] raw) {
        if (raw.length != KEY_BYTES) {
            throw new IllegalArgumentException(String.format("raw: %d bytes (expected: %d)", raw.length, KEY_BYTES));
        }
        return new X25519KeyPair(new X25519PrivateKeyParameters(raw, 0));
    }

    /**
     * Derives a key pair from a signing key, so that one key file holds both: the private key is
     * HKDF-SHA256 (RFC 5869) of the Ed25519 seed with {@code label} as info. Different labels give
     * independent keys.
     *
     * @param signingKey the Ed25519 key whose seed is the input keying material
     * @param label what the key is for, e.g. "parley-mesh-x25519-v1"
     */
    public static X25519KeyPair derive(Ed25519KeyPair signingKey, String label) {
        HKDFBytesGenerator hkdf = new HKDFBytesGenerator(new SHA256Digest());
        hkdf.init(new HKDFParameters(signingKey.seed(), null, label.getBytes(StandardCharsets.UTF_8)));
        byte[] raw = new byte[KEY_BYTES];
        hkdf.generateBytes(raw, 0, raw.length);
        return new X25519KeyPair(new X25519PrivateKeyParameters(raw, 0));
    }

    /**
     * @param publicKey a raw public key
     * @return true if it is 32 bytes and not a low-order point (agreement with it gives a non-zero secret)
     */
    public static boolean isUsable(byte[] publicKey) {
        try {
            Probe.KEY.agree(publicKey);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** A fixed key to test peers' keys with (lazily, on first use). */
    private static final class Probe {
        static final X25519KeyPair KEY = new X25519KeyPair(new X25519PrivateKeyParameters(new byte[KEY_BYTES], 0));
    }

    /** @return the BouncyCastle key pair, for HPKE in this package */
    AsymmetricCipherKeyPair toBouncyCastle() {
        return new AsymmetricCipherKeyPair(privateKey.generatePublicKey(), privateKey);
    }

    /** @return a copy of the raw 32-byte public key */
    public byte[] publicKey() {
        return publicKey.clone();
    }

    /**
     * X25519(private key, {@code peerPublicKey}) (RFC 7748 §6.1).
     *
     * @param peerPublicKey the peer's raw 32-byte public key
     * @return the 32-byte shared secret
     * @throws IllegalArgumentException if the key is not 32 bytes or is a low-order point (the
     *     shared secret would be all zeros, RFC 7748 §6.1)
     */
    public byte[] agree(byte[] peerPublicKey) {
        if (peerPublicKey.length != KEY_BYTES) {
            throw new IllegalArgumentException(String.format("peerPublicKey: %d bytes (expected: %d)",
                    peerPublicKey.length, KEY_BYTES));
        }
        X25519Agreement agreement = new X25519Agreement();
        agreement.init(privateKey);
        byte[] secret = new byte[KEY_BYTES];
        try {
            agreement.calculateAgreement(new X25519PublicKeyParameters(peerPublicKey, 0), secret, 0);
        } catch (IllegalStateException e) { // BouncyCastle: "X25519 agreement failed" on an all-zero result
            throw new IllegalArgumentException("peerPublicKey: a low-order point (expected: a valid X25519 key)", e);
        }
        return secret;
    }

    @Override
    public String toString() {
        return "X25519KeyPair[public=" + HexFormat.of().formatHex(publicKey, 0, 8) + "…]";
    }
}
