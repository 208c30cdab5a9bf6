package dev.parley.nat.stun;

import java.nio.charset.StandardCharsets;
import org.jspecify.annotations.Nullable;

/**
 * What {@link StunCodec#encode} appends after the message's own attributes, in RFC 8489 order:
 * MESSAGE-INTEGRITY (HMAC-SHA1), MESSAGE-INTEGRITY-SHA256, FINGERPRINT (§14.5–14.7).
 *
 * @param key short-term credential key = the UTF-8 password (RFC 8489 §9.1.1); absent for no integrity
 * @param sha1 append MESSAGE-INTEGRITY (needs a key)
 * @param sha256 append MESSAGE-INTEGRITY-SHA256 (needs a key)
 * @param fingerprint append FINGERPRINT
 */
public record StunSeal(byte @Nullable [] key, boolean sha1, boolean sha256, boolean fingerprint) {
    /** @throws IllegalArgumentException if integrity is asked for without a key */
    public StunSeal {
        if ((sha1 || sha256) && key == null) {
            throw new IllegalArgumentException("key: null (expected: a key when MESSAGE-INTEGRITY is requested)");
        }
        key = key == null ? null : key.clone();
    }

    /** @return nothing appended */
    public static StunSeal none() {
        return new StunSeal(null, false, false, false);
    }

    /** @return FINGERPRINT only (what a Binding server sends) */
    public static StunSeal fingerprintOnly() {
        return new StunSeal(null, false, false, true);
    }

    /** @param password short-term password (UTF-8); @return MESSAGE-INTEGRITY + FINGERPRINT, as ICE checks use */
    public static StunSeal shortTerm(String password) {
        return new StunSeal(password.getBytes(StandardCharsets.UTF_8), true, false, true);
    }
}
