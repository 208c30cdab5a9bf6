package dev.parley.app;

import dev.parley.protocol.AtomicFiles;
import dev.parley.protocol.HostPort;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/** Helpers for long-running roles (login server, super node). */
final class Daemons {
    /** Name of the file, in a server's data dir, holding its bound {@code HOST:PORT} once it is ready. */
    static final String ADDRESS_FILE = "address";

    private Daemons() {}

    /**
     * Writes {@code DIR/address} atomically: scripts and the demo wait for it to know the server is ready
     * and which port it bound (useful with port 0).
     */
    static void writeAddress(Path dataDir, HostPort address) throws IOException {
        byte[] line = (address + "\n").getBytes(StandardCharsets.UTF_8);
        AtomicFiles.write(dataDir.resolve(ADDRESS_FILE), AtomicFiles.WORLD_READABLE, out -> out.write(line));
    }

    /** Blocks until the JVM is asked to stop (SIGINT/SIGTERM), then closes {@code server}. */
    static int runUntilStopped(AutoCloseable server, Path dataDir) {
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                server.close();
                Files.deleteIfExists(dataDir.resolve(ADDRESS_FILE));
            } catch (Exception e) {
                System.err.println("error while stopping: " + e.getMessage());
            } finally {
                stopped.countDown();
            }
        }, "shutdown"));
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 0;
    }
}
