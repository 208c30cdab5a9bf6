package dev.parley.app.bots;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.parley.protocol.HostPort;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code parley bots-overlay} (hidden): the child side of {@link OverlayProcess}. */
@Command(name = "bots-overlay", hidden = true, description = "Internal: the overlay of 'parley bots' in a child JVM.")
public final class BotsOverlayCommand implements Callable<Integer> {
    @Option(names = "--supernodes", required = true)
    int superNodes;

    @Option(names = "--seed", defaultValue = "1")
    long seed;

    @Option(names = "--data", required = true)
    Path data;

    @Option(names = "--no-digests")
    boolean noDigests;

    @Option(names = "--metrics-scrape-ms", defaultValue = "0")
    int scrapeMs;

    @Override
    public Integer call() throws Exception {
        BotsCommand.quietLogs();
        try (BotsOverlay overlay = new BotsOverlay(data, superNodes, !noDigests, seed, scrapeMs)) {
            ObjectMapper json = new ObjectMapper();
            ChildJvm.answer(overlay.loginAddress() + " "
                    + overlay.superNodeAddresses().stream().map(HostPort::toString).collect(Collectors.joining(",")),
                    line -> switch (line) {
                        case "ROUND" -> {
                            overlay.meshRound();
                            yield "OK";
                        }
                        case "STATS" -> "STATS " + json.writeValueAsString(overlay.stats());
                        default -> "ERROR unknown command " + line;
                    });
        }
        return 0;
    }
}
