package dev.parley.app.bots;

import dev.parley.protocol.HostPort;
import java.util.List;
import java.util.Map;

/** The overlay the bots run against: in this JVM ({@link InProcess}) or in a child JVM ({@link OverlayProcess}). */
interface Overlay extends AutoCloseable {
    HostPort login();

    List<HostPort> superNodes();

    /** Runs one mesh round on every super node (fresh digests). */
    void meshRound() throws Exception;

    /** @return super-node counters and memory, see {@link BotsOverlay#stats()} */
    Map<String, Object> stats() throws Exception;

    /** @return what the memory figure covers */
    String memoryScope();

    /**
     * @return CPU time the super nodes have used so far in another process, in ns; 0 when they run
     *     in this JVM (counted with it) or elsewhere (not measured)
     */
    default long otherProcessCpuNanos() {
        return 0;
    }

    /** @return of {@link #otherProcessCpuNanos}, what that process's JIT compiler threads used, in ns */
    default long otherProcessJitNanos() {
        return 0;
    }

    @Override
    void close();

    /** The overlay in this JVM. */
    record InProcess(BotsOverlay overlay) implements Overlay {
        @Override
        public HostPort login() {
            return overlay.loginAddress();
        }

        @Override
        public List<HostPort> superNodes() {
            return overlay.superNodeAddresses();
        }

        @Override
        public void meshRound() throws Exception {
            overlay.meshRound();
        }

        @Override
        public Map<String, Object> stats() {
            return overlay.stats();
        }

        @Override
        public String memoryScope() {
            return "heap growth of the one JVM after the super nodes started and the bots registered, divided by N: "
                    + "includes the bots' own client state (upper bound)";
        }

        @Override
        public void close() {
            overlay.close();
        }
    }
}
