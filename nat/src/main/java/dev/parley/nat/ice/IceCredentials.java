package dev.parley.nat.ice;

import java.util.random.RandomGenerator;

/**
 * Short-term credentials of one agent (RFC 8445 §5.3): checks carry USERNAME
 * "receiverUfrag:senderUfrag" and MESSAGE-INTEGRITY keyed with the receiver's password.
 * Exchanged in INVITE/ACCEPT (phase B).
 *
 * @param ufrag username fragment, 4..256 ICE characters
 * @param password 22..256 ICE characters
 */
public record IceCredentials(String ufrag, String password) {
    private static final String ICE_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

    /** @throws IllegalArgumentException on lengths outside RFC 8445 §5.3 or ':' in the ufrag */
    public IceCredentials {
        if (ufrag == null || ufrag.length() < 4 || ufrag.length() > 256 || ufrag.indexOf(':') >= 0) {
            throw new IllegalArgumentException("ufrag: '" + ufrag + "' (expected: 4..256 ICE characters)");
        }
        if (password == null || password.length() < 22 || password.length() > 256) {
            throw new IllegalArgumentException("password: " + (password == null ? 0 : password.length()) + " characters (expected: 22..256)");
        }
    }

    /** @param random a SecureRandom in production; @return 8-character ufrag, 24-character password (≥ 128 bits) */
    public static IceCredentials random(RandomGenerator random) {
        return new IceCredentials(chars(random, 8), chars(random, 24));
    }

    private static String chars(RandomGenerator random, int n) {
        StringBuilder sb = new StringBuilder(n);
        for (int i = 0; i < n; i++) {
            sb.append(ICE_CHARS.charAt(random.nextInt(ICE_CHARS.length())));
        }
        return sb.toString();
    }
}
