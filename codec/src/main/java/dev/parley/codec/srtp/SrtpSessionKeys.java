package dev.parley.codec.srtp;

import java.security.MessageDigest;
import java.util.Arrays;

/**
 * One direction's session keys for AEAD_AES_128_GCM, derived from its master key by
 * {@link SrtpKeyDerivation} (RFC 3711 §4.3, RFC 7714 §12). Arrays are copied in and out.
 *
 * @param rtpKey SRTP encryption key, 16 bytes (label 0x00)
 * @param rtpSalt SRTP salting key, 12 bytes (label 0x02)
 * @param rtcpKey SRTCP encryption key, 16 bytes (label 0x03)
 * @param rtcpSalt SRTCP salting key, 12 bytes (label 0x05)
 */
public record SrtpSessionKeys(byte[] rtpKey, byte[] rtpSalt, byte[] rtcpKey, byte[] rtcpSalt) {
    /** @throws IllegalArgumentException if a key is not 16 bytes or a salt not 12 */
    public SrtpSessionKeys {
        if (rtpKey.length != SrtpMasterKey.KEY_BYTES || rtcpKey.length != SrtpMasterKey.KEY_BYTES
                || rtpSalt.length != SrtpMasterKey.SALT_BYTES || rtcpSalt.length != SrtpMasterKey.SALT_BYTES) {
            throw new IllegalArgumentException(String.format(
                    "session keys/salts: %d/%d/%d/%d bytes (expected: %d/%d/%d/%d)", rtpKey.length, rtpSalt.length,
                    rtcpKey.length, rtcpSalt.length, SrtpMasterKey.KEY_BYTES, SrtpMasterKey.SALT_BYTES,
                    SrtpMasterKey.KEY_BYTES, SrtpMasterKey.SALT_BYTES));
        }
        rtpKey = rtpKey.clone();
        rtpSalt = rtpSalt.clone();
        rtcpKey = rtcpKey.clone();
        rtcpSalt = rtcpSalt.clone();
    }

    @Override
    public byte[] rtpKey() {
        return rtpKey.clone();
    }

    @Override
    public byte[] rtpSalt() {
        return rtpSalt.clone();
    }

    @Override
    public byte[] rtcpKey() {
        return rtcpKey.clone();
    }

    @Override
    public byte[] rtcpSalt() {
        return rtcpSalt.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SrtpSessionKeys k && MessageDigest.isEqual(rtpKey, k.rtpKey)
                && Arrays.equals(rtpSalt, k.rtpSalt) && MessageDigest.isEqual(rtcpKey, k.rtcpKey)
                && Arrays.equals(rtcpSalt, k.rtcpSalt);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(rtpSalt); // the salt only: a hash never leaks key bits
    }

    @Override
    public String toString() {
        return "SrtpSessionKeys[redacted]"; // never log key material
    }
}
