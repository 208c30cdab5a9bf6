package dev.parley.app.bots;

import dev.parley.protocol.HostPort;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The serve roles in a child JVM ({@code parley bots-serving}, {@link BotsServingCommand}): the
 * embedded super nodes, with the server ends of every bot connection, live there; the login server
 * and the bots stay in this JVM. Line protocol ({@link ChildJvm}): the child prints {@code READY}
 * (no role runs yet); then {@code STATE} → {@code STATE item item...} (one
 * {@link Serving#encode} item per serving role), {@code KILL i} → {@code KILLED address} or
 * {@code KILLED -} (the child closes that role and its super node right after answering, no goodbye), {@code START i} →
 * {@code OK}; a request that fails gets {@code ERROR message}. Its stderr goes to {@code serving.log} in the data directory.
 */
final class ServeRolesProcess implements ServeRoles {
    /** The child's heap cap: at M = 10,000 (400 roles) it used about 0.4 GiB after a young collection. */
    static final String MAX_HEAP = "3g";
    private final ChildJvm child;
    private final int count;

    /**
     * Starts the child JVM (no role runs until {@link #start}).
     *
     * @param loginKey the login server's public key (Ed25519, 32 bytes)
     * @throws IOException if the child cannot start
     */
    ServeRolesProcess(HostPort login, byte[] loginKey, Path dir, int count, long seed) throws IOException {
        this.count = count;
        child = new ChildJvm(dir.resolve("serving.log"), MAX_HEAP, List.of("bots-serving", "--login", login.toString(),
                "--login-key", HexFormat.of().formatHex(loginKey), "--data", dir.toString(),
                "--count", Integer.toString(count), "--seed", Long.toString(seed)));
    }

    @Override
    public int count() {
        return count;
    }

    @Override
    public void start(int i) throws IOException {
        child.request("START " + i, "OK");
    }

    @Override
    public List<Serving> serving() throws IOException {
        String items = child.request("STATE", "STATE").substring("STATE".length()).trim();
        return items.isEmpty() ? List.of() : Arrays.stream(items.split(" ")).map(Serving::decode).toList();
    }

    @Override
    public @Nullable HostPort kill(int i) throws IOException {
        String address = child.request("KILL " + i, "KILLED ").substring("KILLED ".length());
        return address.equals("-") ? null : HostPort.parse(address);
    }


    /** Ends the child: it closes every role on {@code QUIT}. */
    @Override
    public void close() {
        child.close();
    }
}
