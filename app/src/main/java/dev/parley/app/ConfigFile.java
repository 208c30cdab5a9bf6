package dev.parley.app;

import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine;
import picocli.CommandLine.IDefaultValueProvider;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * {@code --config FILE}: one Java properties file per role whose keys are the role's long option
 * names without the dashes ({@code listen = 0.0.0.0:4000}, {@code heartbeat-ms = 2000}); flags
 * given on the command line override it. A key the role does not have is refused by name, so a
 * typo does not silently fall back to a default (docs/operations.md has a commented example).
 *
 * <p>Used as a picocli mixin (the option, for help and parsing) and, found by {@link #install}
 * before parsing, as the command's default-value provider.
 */
final class ConfigFile implements IDefaultValueProvider {
    /** Largest config file read, in bytes: a config is a few lines. */
    static final int MAX_BYTES = 64 * 1024;
    static final String OPTION = "--config";

    /** The mixin: declares the option (its value was already read by {@link #install}). */
    static final class Flag {
        @CommandLine.Option(names = OPTION, paramLabel = "FILE",
                description = "Read options from FILE (properties: long option names without dashes, e.g. "
                        + "listen = 0.0.0.0:4000); flags override it.")
        @Nullable Path file;
    }

    private final String command;
    private final Map<String, String> values;

    private ConfigFile(String command, Map<String, String> values) {
        this.command = command;
        this.values = values;
    }

    /**
     * Finds {@code --config FILE} in the arguments of the subcommand {@code args[0]} and makes that
     * file the subcommand's source of defaults.
     *
     * @param root the launcher's command line
     * @param args the arguments as given
     * @throws CommandLine.ParameterException if the file is missing, unreadable, larger than
     *     {@value #MAX_BYTES} bytes, or names a key that is not one of the subcommand's options
     */
    static void install(CommandLine root, String[] args) {
        if (args.length < 2 || !(root.getSubcommands().get(args[0]) instanceof CommandLine sub)
                || sub.getCommandSpec().findOption(OPTION) == null) {
            return;
        }
        Path file = configPath(args);
        if (file == null) {
            return;
        }
        Map<String, String> values = read(sub, file);
        sub.setDefaultValueProvider(new ConfigFile(sub.getCommandName(), values));
    }

    private static @Nullable Path configPath(String[] args) {
        for (int i = 1; i < args.length; i++) {
            if (args[i].equals("--")) {
                return null;
            }
            if (args[i].equals(OPTION) && i + 1 < args.length) {
                return Path.of(args[i + 1]);
            }
            if (args[i].startsWith(OPTION + "=")) {
                return Path.of(args[i].substring(OPTION.length() + 1));
            }
        }
        return null;
    }

    private static Map<String, String> read(CommandLine sub, Path file) {
        Properties p = new Properties();
        try {
            long size = Files.size(file);
            if (size > MAX_BYTES) {
                throw new CommandLine.ParameterException(sub, String.format("%s %s: %d bytes (expected: <= %d)",
                        OPTION, file, size, MAX_BYTES));
            }
            try (Reader in = new StringReader(Files.readString(file, StandardCharsets.UTF_8))) {
                p.load(in);
            }
        } catch (IOException | IllegalArgumentException e) { // IllegalArgumentException: a malformed \\uXXXX escape
            throw new CommandLine.ParameterException(sub, OPTION + " " + file + ": cannot read it: " + e.getMessage());
        }
        TreeSet<String> known = sub.getCommandSpec().options().stream().map(ConfigFile::key)
                .filter(k -> !k.equals(key(OPTION)) && !k.equals("help") && !k.equals("version"))
                .collect(Collectors.toCollection(TreeSet::new));
        List<String> unknown = p.stringPropertyNames().stream().filter(k -> !known.contains(k)).sorted().toList();
        if (!unknown.isEmpty()) {
            throw new CommandLine.ParameterException(sub, String.format("%s %s: unknown key%s %s (expected: %s)",
                    OPTION, file, unknown.size() == 1 ? "" : "s", unknown, String.join(", ", known)));
        }
        return p.stringPropertyNames().stream().collect(Collectors.toMap(k -> k, k -> p.getProperty(k).strip()));
    }

    private static String key(OptionSpec option) {
        return key(option.longestName());
    }

    private static String key(String name) {
        return name.replaceFirst("^-+", "");
    }

    @Override
    public @Nullable String defaultValue(ArgSpec arg) {
        CommandSpec owner = arg.command();
        if (!(arg instanceof OptionSpec option) || owner == null || !command.equals(owner.name())) {
            return null;
        }
        return values.get(key(option));
    }
}
