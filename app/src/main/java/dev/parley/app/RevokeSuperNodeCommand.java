package dev.parley.app;

import dev.parley.login.SuperNodeAdmin;
import dev.parley.protocol.HostPort;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code parley login-server revoke-supernode}: no more certificates for a super node's key. */
@Command(name = "revoke-supernode", mixinStandardHelpOptions = true,
        description = {"Revokes an enrolled super node's key: its certificate is not renewed any more, so it drops out "
                + "of the directory at its next renewal and clients and peers refuse it when the certificate expires "
                + "(at most 6 h)."})
final class RevokeSuperNodeCommand implements Callable<Integer> {
    @Mixin
    LoginServerOptions options = new LoginServerOptions();

    @Parameters(paramLabel = "FINGERPRINT", description = "The super node key's fingerprint, as the super node prints it at start.")
    String fingerprint;

    @Override
    public Integer call() throws Exception {
        try (SuperNodeAdmin admin = SuperNodeAdmin.open(options.config(new HostPort("127.0.0.1", 0)))) {
            if (!admin.revoke(fingerprint)) {
                System.err.println("revoke-supernode: no enrolled super node has key " + fingerprint);
                return 1;
            }
        }
        System.err.println("revoked super node key " + fingerprint);
        return 0;
    }
}
