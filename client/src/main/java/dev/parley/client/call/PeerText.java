package dev.parley.client.call;

/** Text a peer chose (a decline or hang-up reason) made safe to show: bounded, no control characters. */
final class PeerText {
    /** Longest peer text shown, in chars. */
    static final int MAX_CHARS = 100;

    private PeerText() {}

    /** @return {@code text} without control characters (a terminal escape could redraw the screen), at most {@value #MAX_CHARS} chars */
    static String clean(String text) {
        StringBuilder b = new StringBuilder(Math.min(text.length(), MAX_CHARS));
        text.codePoints().filter(c -> !Character.isISOControl(c) && Character.getType(c) != Character.FORMAT)
                .limit(MAX_CHARS).forEach(b::appendCodePoint);
        return b.toString().strip();
    }
}
