package dev.parley.app;

import dev.parley.protocol.wire.AdminCommand;
import dev.parley.protocol.wire.AdminDone;
import dev.parley.protocol.wire.ResetPassword;
import dev.parley.protocol.wire.SetAccountDisabled;
import java.io.Console;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** The account commands of {@code parley admin}: disable, enable, reset-password. */
final class AdminAccountCommands {
    private AdminAccountCommands() {}

    private static int run(AdminOptions admin, CommandSpec spec, AdminCommand command) throws Exception {
        try (AdminClient client = admin.connect()) {
            AdminDone done = client.call(command).getDone();
            spec.commandLine().getOut().println(done.getSummary());
            spec.commandLine().getOut().flush();
        }
        return 0;
    }

    /** The account switch behind {@code disable} and {@code enable} (picocli reads the inherited options). */
    abstract static class AccountSwitch implements Callable<Integer> {
        @Mixin
        AdminOptions admin = new AdminOptions();
        @Spec
        CommandSpec spec;
        @Parameters(paramLabel = "USER")
        String user;

        /** @return whether this command disables the account */
        abstract boolean disables();

        @Override
        public Integer call() throws Exception {
            return run(admin, spec, AdminCommand.newBuilder().setSetAccountDisabled(
                    SetAccountDisabled.newBuilder().setUsername(user).setDisabled(disables())).build());
        }
    }

    /** {@code parley admin disable}. */
    @Command(name = "disable", mixinStandardHelpOptions = true,
            description = {"Disables an account: no login, no credential renewal; its sessions on the super nodes "
                    + "connected to the login server are dropped at once (elsewhere they end when the credential "
                    + "expires, within its lifetime: 1 h by default)."})
    static final class Disable extends AccountSwitch {
        @Override
        boolean disables() {
            return true;
        }
    }

    /** {@code parley admin enable}. */
    @Command(name = "enable", mixinStandardHelpOptions = true, description = "Enables a disabled account again.")
    static final class Enable extends AccountSwitch {
        @Override
        boolean disables() {
            return false;
        }
    }

    /** {@code parley admin reset-password}. */
    @Command(name = "reset-password", mixinStandardHelpOptions = true,
            description = {"Sets a new password (at least 8 characters); credentials issued before are no longer "
                    + "renewed and the user's sessions on connected super nodes are dropped.",
                    "The password is read from --password-file or prompted for twice; never given on the command line."})
    static final class Reset implements Callable<Integer> {
        @Mixin
        AdminOptions admin = new AdminOptions();
        @Spec
        CommandSpec spec;
        @Parameters(paramLabel = "USER")
        String user;
        @Option(names = "--password-file", paramLabel = "FILE", description = "File whose first line is the new password.")
        @Nullable Path passwordFile;

        @Override
        public Integer call() throws Exception {
            String password = passwordFile != null ? firstLine(passwordFile) : prompt();
            return run(admin, spec, AdminCommand.newBuilder().setResetPassword(
                    ResetPassword.newBuilder().setUsername(user).setNewPassword(password)).build());
        }

        private static String firstLine(Path file) throws IOException {
            String first = Files.readAllLines(file, StandardCharsets.UTF_8).stream().findFirst().orElse("");
            if (first.isEmpty()) {
                throw new IOException(file + ": empty (expected: the new password on the first line)");
            }
            return first;
        }

        private String prompt() throws IOException {
            Console console = System.console();
            if (console == null) {
                throw new IOException("no terminal to prompt for the password (expected: --password-file FILE)");
            }
            char[] first = console.readPassword("new password for %s: ", user);
            char[] again = console.readPassword("again: ");
            try {
                if (first == null || again == null || !Arrays.equals(first, again)) {
                    throw new IOException("the passwords differ");
                }
                return new String(first);
            } finally {
                if (first != null) {
                    Arrays.fill(first, '\0');
                }
                if (again != null) {
                    Arrays.fill(again, '\0');
                }
            }
        }
    }
}
