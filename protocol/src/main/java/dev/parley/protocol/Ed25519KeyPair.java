package dev.parley.protocol;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.concurrent.ConcurrentHashMap;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.params.Ed25519PublicKeyParameters;
import org.bouncycastle.crypto.signers.Ed25519Signer;

/**
 * An Ed25519 signing key pair (RFC 8032) backed by BouncyCastle.
 *
 * <p>Keys are stored as the raw 32-byte private seed in a file readable by the owner only.
 */
public final class Ed25519KeyPair {
    /** Length of a raw private seed, public key ({@value} bytes). */
    public static final int KEY_BYTES = 32;
    /** Length of a signature, in bytes. */
    public static final int SIGNATURE_BYTES = 64;

    /** PrivateKeyInfo header for an Ed25519 seed: version 0, algorithm id-Ed25519 (1.3.101.112), OCTET STRING. */
    private static final byte[] PKCS8_PREFIX = HexFormat.of().parseHex("302e020100300506032b657004220420");

    private final Ed25519PrivateKeyParameters privateKey;
    private final byte[] publicKey;

    private Ed25519KeyPair(Ed25519PrivateKeyParameters privateKey) {
        this.privateKey = privateKey;
        this.publicKey = privateKey.generatePublicKey().getEncoded();
    }

    /** @return a new key pair from {@code random} */
    public static Ed25519KeyPair generate(SecureRandom random) {
        return new Ed25519KeyPair(new Ed25519PrivateKeyParameters(random));
    }

    /**
     * @param seed the 32-byte private seed
     * @throws IllegalArgumentException if the seed is not 32 bytes
     */
    public static Ed25519KeyPair fromSeed(byte[] seed) {
        if (seed.length != KEY_BYTES) {
            throw new IllegalArgumentException(String.format("seed: %d bytes (expected: %d)", seed.length, KEY_BYTES));
        }
        return new Ed25519KeyPair(new Ed25519PrivateKeyParameters(seed, 0));
    }

    /**
     * Loads the key in {@code file}, or generates one and writes it there (owner-only permissions,
     * atomically and fsynced: see {@link AtomicFiles}).
     *
     * @throws IOException if the file cannot be read or written, or holds no valid key
     */
    public static Ed25519KeyPair loadOrCreate(Path file, SecureRandom random) throws IOException {
        if (Files.exists(file)) {
            byte[] seed = Files.readAllBytes(file);
            if (seed.length != KEY_BYTES) {
                throw new IOException(String.format("%s: %d bytes (expected: a %d-byte Ed25519 seed)",
                        file, seed.length, KEY_BYTES));
            }
            return fromSeed(seed);
        }
        Ed25519KeyPair pair = generate(random);
        AtomicFiles.write(file, pair.privateKey.getEncoded()); // owner-only, fsynced
        return pair;
    }

    /**
     * @return the private key for the JDK's crypto (TLS 1.3 with an Ed25519 certificate, RFC 8446
     *     §4.2.3): the seed in a PKCS #8 PrivateKeyInfo (RFC 8410 §7)
     */
    public PrivateKey toJcaPrivateKey() {
        byte[] der = ByteBuffer.allocate(PKCS8_PREFIX.length + KEY_BYTES).put(PKCS8_PREFIX).put(privateKey.getEncoded()).array();
        try {
            return KeyFactory.getInstance("Ed25519").generatePrivate(new PKCS8EncodedKeySpec(der));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK has no Ed25519 (expected since Java 15)", e);
        }
    }

    /** @return a copy of the 32-byte private seed (for keys derived from it, e.g. {@link X25519KeyPair#derive}) */
    byte[] seed() {
        return privateKey.getEncoded();
    }

    /** @return a copy of the raw 32-byte public key */
    public byte[] publicKey() {
        return publicKey.clone();
    }

    /** @return the 64-byte Ed25519 signature of {@code message} */
    public byte[] sign(byte[] message) {
        Ed25519Signer signer = new Ed25519Signer();
        signer.init(true, privateKey);
        signer.update(message, 0, message.length);
        return signer.generateSignature();
    }

    /**
     * Verifies an Ed25519 signature; malformed keys or signatures verify as false, never throw.
     *
     * @param publicKey raw 32-byte public key
     * @param message the signed bytes
     * @param signature 64-byte signature
     * @return true only if the signature is valid for the key and message
     */
    public static boolean verify(byte[] publicKey, byte[] message, byte[] signature) {
        if (publicKey == null || publicKey.length != KEY_BYTES
                || signature == null || signature.length != SIGNATURE_BYTES) {
            return false;
        }
        try {
            Ed25519Signer verifier = new Ed25519Signer();
            verifier.init(false, decoded(publicKey));
            verifier.update(message, 0, message.length);
            return verifier.verifySignature(signature);
        } catch (RuntimeException e) {
            return false; // e.g. a public key that is not a curve point
        }
    }

    /**
     * Signs once and verifies repeatedly with a throwaway key, so that the JIT has compiled
     * verification before the first real one: a cold verification costs milliseconds, a warm one
     * about 65 µs (2 cores, JDK 25). Blocking: call it off event loops, e.g. at process start.
     *
     * @param budgetMs most time to spend, in ms
     * @return the verifications done (at most 2,000)
     */
    public static int warmUp(long budgetMs) {
        Ed25519KeyPair key = fromSeed(new byte[KEY_BYTES]);
        byte[] message = "parley warm-up".getBytes(StandardCharsets.US_ASCII);
        byte[] signature = key.sign(message);
        long until = System.nanoTime() + budgetMs * 1_000_000L;
        int done = 0;
        while (done < 2_000 && System.nanoTime() < until && verify(key.publicKey(), message, signature)) {
            done++;
        }
        return done;
    }

    /** Decoded public keys (point decompression is about half the cost of a verification). */
    private static final ConcurrentHashMap<ByteBuffer, Ed25519PublicKeyParameters> DECODED =
            new ConcurrentHashMap<>();
    private static final int MAX_DECODED = 16_384;

    private static Ed25519PublicKeyParameters decoded(byte[] publicKey) {
        ByteBuffer key = ByteBuffer.wrap(publicKey.clone());
        Ed25519PublicKeyParameters params = DECODED.get(key);
        if (params == null) {
            params = new Ed25519PublicKeyParameters(publicKey, 0);
            if (DECODED.size() >= MAX_DECODED) {
                DECODED.clear(); // bounded: a flood of fresh keys only costs re-decoding
            }
            DECODED.put(key, params);
        }
        return params;
    }

    @Override
    public String toString() {
        return "Ed25519KeyPair[public=" + HexFormat.of().formatHex(publicKey, 0, 8) + "…]";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Ed25519KeyPair other && Arrays.equals(publicKey, other.publicKey);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(publicKey);
    }
}
