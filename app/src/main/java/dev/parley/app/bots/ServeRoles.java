package dev.parley.app.bots;

import dev.parley.protocol.HostPort;
import java.io.IOException;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The serve roles of the reachable bots of {@code parley bots --self-organizing}, indexed 0..count-1
 * (bot {@code i}'s role): in this JVM ({@link LocalServeRoles}) or in a child JVM
 * ({@link ServeRolesProcess}) when this one cannot hold the server ends of every bot connection.
 */
interface ServeRoles extends AutoCloseable {
    /** @return how many bots may serve */
    int count();

    /**
     * Starts bot {@code i}'s role (it offers to serve; blocking: its node key is written or read),
     * again after {@link #kill}; a no-op if it runs.
     *
     * @throws IOException if its node key cannot be written or read, or the child JVM cannot be asked
     */
    void start(int i) throws IOException;

    /**
     * @return the roles whose embedded super node runs now (promoted), in index order
     * @throws IOException if the child JVM cannot be asked
     */
    List<Serving> serving() throws IOException;

    /**
     * Kills bot {@code i}'s role and the super node it runs, abruptly for its clients (the
     * connections close, no goodbye); a no-op if it was killed already.
     *
     * @return the killed super node's address, or null if the role was not serving
     * @throws IOException if the child JVM cannot be asked
     */
    @Nullable HostPort kill(int i) throws IOException;

    @Override
    void close();

    /**
     * One role's running super node.
     *
     * @param index the bot's index
     * @param generation changes when the role starts another super node (promoted again)
     * @param address where it serves
     * @param ready registered with the login server (clients may register)
     * @param clients clients registered with it now
     */
    record Serving(int index, long generation, HostPort address, boolean ready, int clients) {
        /** @return {@code index,generation,address,ready(0|1),clients}: one item of the child's STATE line */
        String encode() {
            return index + "," + generation + "," + address + "," + (ready ? 1 : 0) + "," + clients;
        }

        /** @throws IllegalArgumentException if {@code item} is not what {@link #encode} writes */
        static Serving decode(String item) {
            String[] f = item.split(",");
            if (f.length != 5) {
                throw new IllegalArgumentException("serving item: " + item + " (expected: index,generation,address,ready,clients)");
            }
            return new Serving(Integer.parseInt(f[0]), Long.parseLong(f[1]), HostPort.parse(f[2]), f[3].equals("1"),
                    Integer.parseInt(f[4]));
        }
    }
}
