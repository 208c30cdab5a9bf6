package dev.parley.app;

import dev.parley.app.ShellCommand.Completion;
import java.io.IOException;
import java.util.List;
import java.util.Locale;
import org.jline.reader.Candidate;
import org.jline.reader.Completer;
import org.jline.reader.EndOfFileException;
import org.jline.reader.LineReader;
import org.jline.reader.LineReaderBuilder;
import org.jline.reader.ParsedLine;
import org.jline.reader.UserInterruptException;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;

/**
 * The interactive client shell (JLine): reads commands at a prompt that shows presence and the
 * current call, completes command and user names with TAB, prints events above the prompt, and
 * asks before Ctrl-C quits. The commands themselves are {@link ShellCommands}.
 */
final class Shell {
    private final ShellCommands commands;
    private final ShellView view;

    Shell(ShellCommands commands, ShellView view) {
        this.commands = commands;
        this.view = view;
    }

    /**
     * Runs until {@code quit}, Ctrl-D, or a confirmed Ctrl-C.
     *
     * @return the exit status (0)
     * @throws IOException if the terminal cannot be opened
     */
    int run() throws IOException {
        try (Terminal terminal = TerminalBuilder.builder().system(true).build()) {
            LineReader reader = LineReaderBuilder.builder().terminal(terminal).appName("parley")
                    .completer(completer()).option(LineReader.Option.CASE_INSENSITIVE, true)
                    .option(LineReader.Option.DISABLE_EVENT_EXPANSION, true).build();
            view.attach(reader);
            view.notice("Type 'help' for the commands; TAB completes them.");
            while (true) {
                String line;
                try {
                    line = reader.readLine(view.prompt()).strip();
                } catch (EndOfFileException e) {
                    return 0;
                } catch (UserInterruptException e) {
                    if (confirmQuit(reader)) {
                        return 0;
                    }
                    continue;
                }
                String[] words = line.split("\\s+", 2);
                if (words[0].isEmpty()) {
                    continue;
                }
                ShellCommand command = commands.find(words[0]);
                if (command == null) {
                    view.notice("unknown command '" + words[0] + "'; type 'help'");
                } else if (command.name().equals("quit")) {
                    return 0;
                } else {
                    execute(command, words.length > 1 ? words[1].strip() : "");
                }
            }
        } finally {
            view.attach(null);
        }
    }

    private void execute(ShellCommand command, String arg) {
        try {
            command.action().run(arg);
        } catch (IllegalArgumentException e) {
            view.notice(e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            view.notice("interrupted");
        } catch (Exception e) {
            view.notice("error: " + Errors.describe(e));
        }
    }

    /** Ctrl-C at the prompt: quitting would hang up a call, so ask first (a second Ctrl-C quits). */
    private boolean confirmQuit(LineReader reader) {
        try {
            String answer = reader.readLine("quit parley" + (view.inCall() ? " and hang up" : "") + "? (y/N) ");
            return answer.strip().toLowerCase(Locale.ROOT).startsWith("y");
        } catch (UserInterruptException | EndOfFileException e) {
            return true;
        }
    }

    private Completer completer() {
        return (LineReader reader, ParsedLine line, List<Candidate> candidates) -> {
            if (line.wordIndex() == 0) {
                commands.all().forEach(c -> candidates.add(new Candidate(c.name(), c.name(), null, c.summary(), null, null, true)));
                return;
            }
            ShellCommand command = commands.find(line.words().get(0));
            if (command == null || line.wordIndex() > 1) {
                return;
            }
            switch (command.completion()) {
                case USER -> commands.names().forEach(n -> candidates.add(new Candidate(n)));
                case COMMAND -> commands.all().forEach(c -> candidates.add(new Candidate(c.name())));
                case WORDS -> command.words().forEach(w -> candidates.add(new Candidate(w)));
                case NONE -> { }
            }
        };
    }
}
