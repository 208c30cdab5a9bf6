package dev.parley.app;

import dev.parley.protocol.AtomicFiles;
import dev.parley.protocol.Ed25519KeyPair;
import dev.parley.protocol.tls.KeyVerifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code parley admin}: administration of a running login server over its TLS port, every request
 * signed by an admin key the server's operator authorized ({@code parley login-server authorize-admin};
 * docs/security.md "Administrators", docs/operations.md "Administration").
 */
@Command(name = "admin", mixinStandardHelpOptions = true,
        subcommands = {AdminCli.Keygen.class, AdminListCommands.Accounts.class, AdminAccountCommands.Disable.class,
                AdminAccountCommands.Enable.class, AdminAccountCommands.Reset.class,
                AdminListCommands.SuperNodes.class, AdminListCommands.Online.class},
        description = {"Administers a running login server: accounts (list, disable, enable, reset a password), "
                + "super nodes (list with their load, who is online on one).",
                "Every request is signed by an admin key: make one with `parley admin keygen`, then authorize it on the "
                + "login server's host with `parley login-server authorize-admin`."})
final class AdminCli implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /** {@code parley admin keygen}: a new admin key pair. */
    @Command(name = "keygen", mixinStandardHelpOptions = true,
            description = {"Makes an admin key pair: FILE holds the private key (owner-only), FILE.pub the public key "
                    + "(hex), which the operator authorizes on the login server's host:",
                    "parley login-server authorize-admin --data DIR FILE.pub",
                    "Prints the public key on standard output."})
    static final class Keygen implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--key", paramLabel = "FILE", defaultValue = "parley-data/admin.key",
                description = "Where to write the private key (default: ${DEFAULT-VALUE}); refused if it exists.")
        Path key;

        @Override
        public Integer call() throws Exception {
            if (Files.exists(key)) {
                System.err.println("parley admin keygen: " + key + " exists (expected: a new file; an admin key is never "
                        + "overwritten)");
                return 1;
            }
            Ed25519KeyPair pair = Ed25519KeyPair.loadOrCreate(key, new SecureRandom()); // atomic, fsynced, owner-only
            String hex = HexFormat.of().formatHex(pair.publicKey());
            Path pub = key.resolveSibling(key.getFileName() + ".pub");
            AtomicFiles.write(pub, AtomicFiles.WORLD_READABLE, out -> out.write((hex + "\n").getBytes(StandardCharsets.US_ASCII)));
            spec.commandLine().getOut().println(hex);
            spec.commandLine().getOut().flush();
            System.err.println("admin key " + KeyVerifier.fingerprint(pair.publicKey()) + " written to " + key
                    + "; authorize it on the login server's host: parley login-server authorize-admin --data DIR " + pub);
            return 0;
        }
    }
}
