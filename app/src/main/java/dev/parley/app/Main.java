package dev.parley.app;

import dev.parley.app.bots.BotsCommand;
import dev.parley.app.bots.BotsOverlayCommand;
import dev.parley.app.bots.BotsServingCommand;
import picocli.CommandLine.Command;
import picocli.CommandLine;

/** The {@code parley} launcher: one binary for every role. */
@Command(name = "parley", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Parley: a peer-to-peer VoIP overlay (login server, super nodes, clients).",
        subcommands = {LoginServerCommand.class, SuperNodeCommand.class, ClientCommand.class, DemoCommand.class,
                StunCommand.class, BenchCommand.class, AdminCli.class,
                BotsCommand.class, BotsOverlayCommand.class, BotsServingCommand.class})
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** @param args command line */
    public static void main(String[] args) {
        CommandLine cl = commandLine();
        try {
            ConfigFile.install(cl, args);
        } catch (CommandLine.ParameterException e) {
            System.err.println("parley " + e.getCommandLine().getCommandName() + ": " + e.getMessage());
            System.exit(2);
        }
        System.exit(cl.execute(args));
    }

    /** @return the configured command line (also used by tests and the demo) */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main());
        cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
            cmd.getErr().println("parley " + cmd.getCommandName() + ": " + Errors.describe(e));
            return 2;
        });
        return cl;
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
