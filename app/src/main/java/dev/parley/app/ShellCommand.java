package dev.parley.app;

import java.util.List;

/**
 * One command of the interactive shell: what {@code help} lists and explains, what tab completion
 * offers after it, and what it does.
 *
 * @param name the command word (matched case-insensitively)
 * @param args the argument synopsis shown by {@code help}, e.g. {@code "NAME"}; empty when none
 * @param summary one line for the {@code help} list
 * @param help the paragraph {@code help NAME} prints
 * @param completion what tab completion offers as the argument
 * @param words the arguments offered when {@code completion} is {@link Completion#WORDS}
 * @param action runs the command with its argument (stripped; empty when none)
 */
record ShellCommand(String name, String args, String summary, String help, Completion completion, List<String> words,
        Action action) {
    ShellCommand {
        words = List.copyOf(words);
    }

    /** A command whose argument completes to users, commands or nothing. */
    ShellCommand(String name, String args, String summary, String help, Completion completion, Action action) {
        this(name, args, summary, help, completion, List.of(), action);
    }

    /** What the argument of a command completes to. */
    enum Completion { NONE, USER, COMMAND, WORDS }

    /** The body of a command; may throw, the shell prints the error and goes on. */
    @FunctionalInterface
    interface Action {
        void run(String arg) throws Exception;
    }

    /** @return {@code "name args"}, as typed */
    String usage() {
        return args.isEmpty() ? name : name + " " + args;
    }
}
