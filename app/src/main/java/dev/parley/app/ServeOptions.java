package dev.parley.app;

import dev.parley.client.serve.ServeSettings;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * Whether and within which caps a client serves as a super node when the login server promotes it
 * (a picocli mixin of {@code parley client}; docs/architecture.md "Self-organizing overlay"). The
 * config-file keys are the option names without the dashes ({@code serve-max-clients = 200}).
 */
final class ServeOptions {
    @Spec(Spec.Target.MIXEE)
    CommandSpec spec;

    @Option(names = "--no-supernode", description = "Never serve as a super node (by default a client that the login "
            + "server finds reachable from outside may be promoted, and then serves in this process; a client with "
            + "--supernode or --call never offers).")
    boolean noSuperNode;

    @Option(names = "--serve-port", paramLabel = "PORT", description = "TCP and UDP port to serve on when promoted "
            + "(default: a free one).")
    int servePort;

    @Option(names = "--serve-max-clients", paramLabel = "N", description = "When promoted, clients served at most; "
            + "further ones are refused and join another super node (default: ${DEFAULT-VALUE}).")
    int maxClients = ServeSettings.DEFAULTS.maxClients();

    @Option(names = "--serve-max-relays", paramLabel = "N", description = "When promoted, media relay allocations at "
            + "most (default: ${DEFAULT-VALUE}).")
    int maxRelays = ServeSettings.DEFAULTS.maxRelayAllocations();

    @Option(names = "--serve-upload-kbps", paramLabel = "KBPS", description = "Upload given to serving, kbit/s: the "
            + "login server measures it with a short burst (at least 256 needed to be promoted); relayed media beyond "
            + "it is dropped and new relays are refused near it (default: ${DEFAULT-VALUE}).")
    int uploadKbps = ServeSettings.DEFAULTS.bandwidthShareKbps();

    /**
     * @param offers whether this client may offer at all (not pinned to a super node, not a one-shot call)
     * @return the serve settings ({@link ServeSettings#OFF} with {@code --no-supernode})
     * @throws ParameterException if a cap is below 1 or the port outside 0..65535
     */
    ServeSettings settings(boolean offers) {
        if (noSuperNode || !offers) {
            return ServeSettings.OFF;
        }
        try {
            return ServeSettings.DEFAULTS.withPort(servePort).withCaps(maxClients, maxRelays, uploadKbps);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
    }
}
