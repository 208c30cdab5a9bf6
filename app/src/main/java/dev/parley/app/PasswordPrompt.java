package dev.parley.app;

import java.io.IOException;
import org.jline.reader.EndOfFileException;
import org.jline.reader.LineReader;
import org.jline.reader.LineReaderBuilder;
import org.jline.reader.UserInterruptException;
import org.jline.reader.impl.LineReaderImpl;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;

/** Asks for a password on the terminal, without echo, when no {@code --password-file} is given. */
final class PasswordPrompt {
    private PasswordPrompt() {}

    /**
     * @param user whose password is asked for
     * @param confirm ask twice and require the same answer (a new account)
     * @return the password typed (not empty)
     * @throws IOException if there is no terminal to ask on (then {@code --password-file} is
     *     needed), the input ends or the two answers differ
     */
    static String ask(String user, boolean confirm) throws IOException {
        try (Terminal terminal = TerminalBuilder.builder().system(true).dumb(true).build()) {
            if (Terminal.TYPE_DUMB.equals(terminal.getType()) || Terminal.TYPE_DUMB_COLOR.equals(terminal.getType())) {
                throw new IOException("no terminal to ask for " + user + "'s password on (expected: --password-file FILE)");
            }
            LineReader reader = LineReaderBuilder.builder().terminal(terminal).build();
            String first = read(reader, (confirm ? "new password for " : "password for ") + user + ": ");
            if (confirm && !first.equals(read(reader, "the same password again: "))) {
                throw new IOException("the two passwords differ");
            }
            return first;
        }
    }

    private static String read(LineReader reader, String prompt) throws IOException {
        try {
            String password = reader.readLine(prompt, LineReaderImpl.NULL_MASK);
            if (password.isEmpty()) {
                throw new IOException("empty password");
            }
            return password;
        } catch (UserInterruptException | EndOfFileException e) {
            throw new IOException("no password given");
        }
    }
}
