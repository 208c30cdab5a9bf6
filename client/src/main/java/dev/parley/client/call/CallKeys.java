package dev.parley.client.call;

import dev.parley.codec.srtp.SrtpKeys;
import dev.parley.codec.srtp.SrtpMasterKey;
import dev.parley.protocol.CallSignalSeals;
import dev.parley.protocol.Credentials;
import dev.parley.protocol.Ed25519KeyPair;
import dev.parley.protocol.ProtocolException;
import dev.parley.protocol.X25519KeyPair;
import dev.parley.protocol.wire.Credential;
import dev.parley.protocol.wire.ErrorCode;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.random.RandomGenerator;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.generators.HKDFBytesGenerator;
import org.bouncycastle.crypto.params.HKDFParameters;

/**
 * A call's key schedule (docs/protocol.md "Call keys and SAS"): the caller commits to its ephemeral
 * X25519 share in the INVITE ({@link #commitment}), the callee sends its share in the ACCEPT, the
 * caller reveals its share (KeyReveal); all sealed and signed. Committing before seeing the peer's
 * share leaves nobody in the middle a way to search shares for matching SASes. Both sides compute
 * <pre>
 * secret     = X25519(own share, peer share)                                       (RFC 7748)
 * transcript = SHA-256("parley-call-transcript-v1" | str(call id)
 *                      | str(caller) | caller's Ed25519 key (32) | caller's X25519 key (32)
 *                      | str(callee) | callee's Ed25519 key (32) | callee's X25519 key (32)
 *                      | caller's share (32) | callee's share (32))                 str = uint16 length | UTF-8
 * caller→callee SRTP master key | salt = HKDF-SHA256(salt = transcript, ikm = secret, info = "parley-srtp-v1 caller->callee", 16 + 12)
 * callee→caller SRTP master key | salt = HKDF-SHA256(salt = transcript, ikm = secret, info = "parley-srtp-v1 callee->caller", 16 + 12)
 * SAS        = uint32(HKDF-SHA256(salt = transcript, ikm = secret, info = "parley-sas-v1", 4)) mod 10^6, shown "123 456"
 * </pre>
 * (RFC 5869; SRTP master key and salt sizes of AEAD_AES_128_GCM, RFC 7714 §12.) Renegotiation
 * after a path change keeps the keys: SSRC and sequence numbers continue, so no rekeying is needed.
 */
public final class CallKeys {
    /** The whole call's protection, as reports name it. */
    public static final String SUITE = CallSignalSeals.SUITE + " + SRTP " + SrtpKeys.SUITE;
    private static final byte[] TRANSCRIPT_CONTEXT = "parley-call-transcript-v1".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] COMMIT_CONTEXT = "parley-share-commit-v1".getBytes(StandardCharsets.US_ASCII);
    private static final int SAS_MODULUS = 1_000_000;

    private CallKeys() {}

    /**
     * What a call derived.
     *
     * @param srtp this side's send and receive master keys
     * @param sas the short authentication string both users see, "123 456"
     */
    public record Secrets(SrtpKeys srtp, String sas) {}

    /** @return the user's encryption key pair: derived from its Ed25519 identity, certified in its v2 credential */
    public static X25519KeyPair encryptionKey(Ed25519KeyPair identity) {
        return X25519KeyPair.derive(identity, Credentials.ENCRYPTION_KEY_LABEL);
    }

    /**
     * @param random the call engine's randomness ({@code SecureRandom} in production)
     * @return a fresh ephemeral key share
     */
    static X25519KeyPair newShare(RandomGenerator random) {
        byte[] raw = new byte[X25519KeyPair.KEY_BYTES];
        random.nextBytes(raw);
        return X25519KeyPair.fromPrivateKey(raw);
    }

    /**
     * Derives this side's SRTP keys and the SAS.
     *
     * @param caller true on the caller's side
     * @param callerCredential the caller's (verified, v2) credential
     * @param calleeCredential the callee's (verified, v2) credential
     * @param callerShare the caller's raw share, as sent in the INVITE
     * @param calleeShare the callee's raw share, as sent in the ACCEPT
     * @param ownShare this side's share key pair
     * @throws ProtocolException {@link ErrorCode#BAD_REQUEST} if the peer's share is not 32 bytes or
     *     is a low-order point, or a credential certifies no encryption key
     */
    public static Secrets derive(boolean caller, String callId, Credential callerCredential, Credential calleeCredential,
            byte[] callerShare, byte[] calleeShare, X25519KeyPair ownShare) throws ProtocolException {
        byte[] peerShare = caller ? calleeShare : callerShare;
        byte[] secret;
        try {
            secret = ownShare.agree(peerShare);
        } catch (IllegalArgumentException e) {
            throw new ProtocolException(ErrorCode.BAD_REQUEST, "key share: " + e.getMessage());
        }
        byte[] transcript = transcript(callId, callerCredential, calleeCredential, callerShare, calleeShare);
        SrtpMasterKey callerToCallee = master(secret, transcript, "parley-srtp-v1 caller->callee");
        SrtpMasterKey calleeToCaller = master(secret, transcript, "parley-srtp-v1 callee->caller");
        byte[] sasBytes = hkdf(secret, transcript, "parley-sas-v1", 4);
        long value = ((sasBytes[0] & 0xFFL) << 24 | (sasBytes[1] & 0xFFL) << 16 | (sasBytes[2] & 0xFFL) << 8 | (sasBytes[3] & 0xFFL))
                % SAS_MODULUS;
        Arrays.fill(secret, (byte) 0);
        String sas = String.format("%03d %03d", value / 1000, value % 1000);
        return new Secrets(caller ? new SrtpKeys(callerToCallee, calleeToCaller) : new SrtpKeys(calleeToCaller, callerToCallee), sas);
    }

    /** @return SHA-256 of the transcript (see the class comment) */
    static byte[] transcript(String callId, Credential callerCredential, Credential calleeCredential, byte[] callerShare,
            byte[] calleeShare) throws ProtocolException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.write(TRANSCRIPT_CONTEXT);
            writeString(out, callId);
            for (Credential c : new Credential[] {callerCredential, calleeCredential}) {
                writeString(out, c.getUsername());
                out.write(c.getPublicKey().toByteArray());
                out.write(Credentials.encryptionKey(c));
            }
            out.write(callerShare);
            out.write(calleeShare);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return sha256(bytes.toByteArray());
    }

    /**
     * The caller's commitment to its share, sent in the INVITE before it sees the callee's share
     * and opened (KeyReveal) after the ACCEPT: SHA-256("parley-share-commit-v1" | share).
     *
     * @param share a raw 32-byte key share
     * @return the 32-byte commitment
     */
    public static byte[] commitment(byte[] share) {
        byte[] input = new byte[COMMIT_CONTEXT.length + share.length];
        System.arraycopy(COMMIT_CONTEXT, 0, input, 0, COMMIT_CONTEXT.length);
        System.arraycopy(share, 0, input, COMMIT_CONTEXT.length, share.length);
        return sha256(input);
    }

    /**
     * @param key a contact's raw Ed25519 identity key
     * @return its fingerprint as users compare it: the first 10 bytes of SHA-256, hex in groups of 4 ("1a2b 3c4d …")
     */
    public static String fingerprint(byte[] key) {
        String hex = HexFormat.of().formatHex(sha256(key), 0, 10);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < hex.length(); i += 4) {
            sb.append(i == 0 ? "" : " ").append(hex, i, i + 4);
        }
        return sb.toString();
    }

    private static SrtpMasterKey master(byte[] secret, byte[] transcript, String info) {
        byte[] okm = hkdf(secret, transcript, info, SrtpMasterKey.KEY_BYTES + SrtpMasterKey.SALT_BYTES);
        SrtpMasterKey key = new SrtpMasterKey(Arrays.copyOf(okm, SrtpMasterKey.KEY_BYTES),
                Arrays.copyOfRange(okm, SrtpMasterKey.KEY_BYTES, okm.length));
        Arrays.fill(okm, (byte) 0);
        return key;
    }

    private static byte[] hkdf(byte[] secret, byte[] salt, String info, int length) {
        HKDFBytesGenerator hkdf = new HKDFBytesGenerator(new SHA256Digest());
        hkdf.init(new HKDFParameters(secret, salt, info.getBytes(StandardCharsets.US_ASCII)));
        byte[] out = new byte[length];
        hkdf.generateBytes(out, 0, length);
        return out;
    }

    private static void writeString(DataOutputStream out, String s) throws IOException {
        byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
        out.writeShort(utf8.length);
        out.write(utf8);
    }

    private static byte[] sha256(byte[] input) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(input);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is mandatory in every JDK", e);
        }
    }
}
