package dev.parley.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.parley.client.call.CallListener;
import dev.parley.client.call.IncomingCallPolicy;
import dev.parley.protocol.HostPort;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Two clients on one data directory would overwrite each other's credential and host cache. */
class DataDirLockTest {
    @TempDir
    Path dir;

    @Test
    void secondLockOnTheSameDirectoryIsRefusedUntilTheFirstIsReleased() throws IOException {
        Path data = dir.resolve("alice");
        try (DataDirLock first = DataDirLock.acquire(data)) {
            assertThatThrownBy(() -> DataDirLock.acquire(data)).isInstanceOf(IOException.class)
                    .hasMessage("data dir " + data.toAbsolutePath() + " is in use by another parley client");
        }
        DataDirLock.acquire(data).close(); // released: usable again
    }

    @Test
    void secondClientOnTheSameDataDirIsRefusedBeforeItTouchesTheNetwork() throws IOException {
        Path data = dir.resolve("bob");
        // Port 9 (discard) on loopback: nothing listens, so without the lock the error would be a connection failure.
        ClientOptions options = new ClientOptions(new HostPort("127.0.0.1", 9), "bob", "bob-password",
                data, false, null, 32, 60, Duration.ofSeconds(5), (id, caller) -> new IncomingCallPolicy.Ring(),
                CallListener.NONE, InstantSource.system(), new SplittableRandom(3));
        try (DataDirLock running = DataDirLock.acquire(data)) {
            assertThatThrownBy(() -> ParleyClient.start(options)).isInstanceOf(IOException.class)
                    .hasMessage("data dir " + data.toAbsolutePath() + " is in use by another parley client");
        }
    }
}
