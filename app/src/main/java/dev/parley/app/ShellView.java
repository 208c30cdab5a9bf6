package dev.parley.app;

import java.util.Locale;
import java.util.function.Supplier;
import org.jline.reader.LineReader;
import org.jline.reader.impl.LineReaderImpl;
import org.jline.terminal.Terminal;
import org.jline.utils.InfoCmp.Capability;
import org.jspecify.annotations.Nullable;

/**
 * What the shell shows around the prompt: notices printed above the line being typed (never over
 * it), the terminal bell for incoming calls and messages, and a prompt that carries the user's
 * presence and the current call, e.g. {@code alice (online, in a call with bob)> }.
 *
 * <p>Notices may come from any thread (call events, log lines); JLine's {@code printAbove} is
 * thread-safe and redraws the prompt and the partly typed line below them.
 */
final class ShellView {
    private final String username;
    private volatile Supplier<String> presence = () -> "online";
    private volatile @Nullable LineReader reader;
    private volatile @Nullable String call;

    /** @param username the signed-in user, first in the prompt */
    ShellView(String username) {
        this.username = username;
    }

    /** @param presence the user's presence as the prompt shows it (e.g. "online", "away: lunch") */
    void presence(Supplier<String> presence) {
        this.presence = presence;
        call(call);
    }

    /** Starts drawing through {@code reader}; before that, notices go to standard output. */
    void attach(@Nullable LineReader reader) {
        this.reader = reader;
    }

    /** Prints {@code text} (may be several lines) above the prompt. */
    void notice(String text) {
        LineReader r = reader;
        if (r == null) {
            System.out.println(text);
        } else {
            r.printAbove(text);
        }
    }

    /** Rings the terminal bell (incoming call or message) and prints {@code text}. */
    void alert(String text) {
        LineReader r = reader;
        if (r != null) {
            Terminal t = r.getTerminal();
            if (!t.puts(Capability.bell)) {
                t.writer().write(7); // terminals without a terminfo entry for the bell still know BEL
            }
            t.flush();
        }
        notice(text);
    }

    /**
     * Sets the call shown in the prompt and redraws it.
     *
     * @param state e.g. "in a call with bob", "calling bob"; null when there is no call
     */
    void call(@Nullable String state) {
        this.call = state;
        LineReader r = reader;
        if (r instanceof LineReaderImpl impl) { // the prompt of the line being read: only the implementation sets it
            impl.setPrompt(prompt());
            try {
                if (r.isReading()) {
                    r.callWidget(LineReader.REDRAW_LINE);
                    r.callWidget(LineReader.REDISPLAY);
                }
            } catch (IllegalStateException e) {
                // the line was entered between the check and the redraw: the next prompt shows the state
            }
        }
    }

    /** @return whether a call is shown (ringing, connecting or active) */
    boolean inCall() {
        return call != null;
    }

    /** @return the prompt: {@code user (presence[, call])> } */
    String prompt() {
        String c = call;
        return username + " (" + presence.get().toLowerCase(Locale.ROOT) + (c == null ? "" : ", " + c) + ")> ";
    }
}
