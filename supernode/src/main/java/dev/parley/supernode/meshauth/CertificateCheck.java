package dev.parley.supernode.meshauth;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.parley.protocol.Credentials;
import dev.parley.protocol.ProtocolException;
import dev.parley.protocol.RateBucket;
import dev.parley.protocol.SuperNodeCertificates;
import dev.parley.protocol.wire.SuperNodeCertificate;
import dev.parley.supernode.meshauth.MeshDatagramException.Reason;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.InstantSource;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * Verification of encoded super-node certificates with the pinned login server key
 * ({@link SuperNodeCertificates#verify}), with the verdicts cached by SHA-256 of the bytes (bounded,
 * least recently used out): a certificate seen again costs a hash, not an Ed25519 verification.
 * New verifications asked for by datagrams, which anyone can replay from a spoofed source, are
 * rate-limited by a token bucket. Confined to the mesh loop.
 */
final class CertificateCheck {
    /**
     * A verified certificate, or why not.
     *
     * @param certificate the certificate if it verified
     * @param reason why not (meaningless when it verified)
     * @param error details for logs
     */
    record Verdict(@Nullable SuperNodeCertificate certificate, Reason reason, String error) {}

    private final Supplier<byte @Nullable []> loginKey;
    private final InstantSource clock;
    private final Map<ByteBuffer, Verdict> verdicts;
    private final RateBucket verifications;
    private final double perSecond;

    /**
     * @param loginKey the pinned login server key, or null while unknown
     * @param clock validity checks and the rate
     * @param maxVerdicts verdicts remembered
     * @param perSecond new verifications per second that {@code rateLimited} callers may cause (> 0)
     * @param burst their bucket size (> 0)
     */
    CertificateCheck(Supplier<byte @Nullable []> loginKey, InstantSource clock, int maxVerdicts, double perSecond,
            double burst) {
        this.loginKey = loginKey;
        this.clock = clock;
        this.perSecond = perSecond;
        this.verdicts = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<ByteBuffer, Verdict> eldest) {
                return size() > maxVerdicts;
            }
        };
        this.verifications = new RateBucket(perSecond, burst, clock.millis());
    }

    /**
     * @param bytes an encoded {@code SuperNodeCertificate}
     * @param rateLimited whether a new verification takes a token (certificates from datagrams)
     * @return the verdict: the certificate if it verifies and is current, else the reason
     */
    Verdict verdict(byte[] bytes, boolean rateLimited) {
        ByteBuffer hash = ByteBuffer.wrap(sha256(bytes));
        long nowMs = clock.millis();
        Verdict cached = verdicts.get(hash);
        if (cached != null) {
            SuperNodeCertificate c = cached.certificate();
            if (c != null && nowMs > c.getExpiresAtMs() + Credentials.CLOCK_SKEW.toMillis()) {
                return new Verdict(null, Reason.BAD_CERTIFICATE, "certificate expired at " + c.getExpiresAtMs());
            }
            return cached; // the signature does not change; only the expiry needs the clock again
        }
        byte[] login = loginKey.get();
        if (login == null) {
            return new Verdict(null, Reason.BAD_CERTIFICATE, "login server key not yet known");
        }
        if (rateLimited && verifications.tryTake(1, nowMs) > 0) {
            return new Verdict(null, Reason.RATE_LIMITED, "new certificates: more than " + perSecond + "/s");
        }
        Verdict v;
        try {
            SuperNodeCertificate c = SuperNodeCertificate.parseFrom(bytes);
            SuperNodeCertificates.verify(login, c, Instant.ofEpochMilli(nowMs));
            v = new Verdict(c, Reason.BAD_CERTIFICATE, "");
        } catch (InvalidProtocolBufferException e) {
            v = new Verdict(null, Reason.BAD_CERTIFICATE, "certificate does not parse: " + e.getMessage());
        } catch (ProtocolException e) {
            v = new Verdict(null, Reason.BAD_CERTIFICATE, e.getMessage());
        }
        verdicts.put(hash, v);
        return v;
    }

    private static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
