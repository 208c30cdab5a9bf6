package dev.parley.protocol;

import dev.parley.protocol.wire.ErrorCode;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Username rules: 3–32 characters from {@code [a-z0-9._-]}, starting with a letter or digit;
 * compared case-insensitively (the canonical form is lower case).
 */
public final class Usernames {
    /** Shortest allowed username, in characters. */
    public static final int MIN_LENGTH = 3;
    /** Longest allowed username, in characters. */
    public static final int MAX_LENGTH = 32;
    private static final Pattern VALID = Pattern.compile("[a-z0-9][a-z0-9._-]{2,31}");

    private Usernames() {}

    /**
     * Validates and canonicalises a username.
     *
     * @return the lower-case canonical form
     * @throws ProtocolException with {@link ErrorCode#INVALID_USERNAME} and a message saying why
     */
    public static String canonical(String username) throws ProtocolException {
        if (username == null) {
            throw new ProtocolException(ErrorCode.INVALID_USERNAME, "username: missing");
        }
        String lower = username.toLowerCase(Locale.ROOT);
        if (lower.length() < MIN_LENGTH || lower.length() > MAX_LENGTH) {
            throw new ProtocolException(ErrorCode.INVALID_USERNAME, String.format(
                    "username: %d characters (expected: %d..%d)", lower.length(), MIN_LENGTH, MAX_LENGTH));
        }
        if (!VALID.matcher(lower).matches()) {
            throw new ProtocolException(ErrorCode.INVALID_USERNAME, "username: '" + username
                    + "' (expected: letters, digits, '.', '_' or '-', starting with a letter or digit)");
        }
        return lower;
    }
}
