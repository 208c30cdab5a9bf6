package dev.parley.protocol.tls;

import java.nio.ByteBuffer;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLException;

/**
 * Drives two {@link SSLEngine}s joined in memory one flight at a time, on the calling thread: for
 * measuring handshakes ({@code parley bench tls}) and for tests that change a flight on its way.
 */
public final class EngineSteps {
    private EngineSteps() {}

    /**
     * One side reads what the other sent, then writes what it has to send (delegated tasks run
     * inline).
     *
     * @param in what the other side wrote (write mode; compacted after reading)
     * @param out where this side's records go (write mode)
     * @param app scratch space for application data (at least the session's application buffer size)
     * @throws SSLException if the engine refuses what it read
     */
    public static void step(SSLEngine e, ByteBuffer in, ByteBuffer out, ByteBuffer app) throws SSLException {
        in.flip();
        while (in.hasRemaining()) {
            app.clear();
            int consumed = e.unwrap(in, app).bytesConsumed();
            runTasks(e);
            if (consumed == 0) {
                break;
            }
        }
        in.compact();
        for (int i = 0; i < 10 && e.getHandshakeStatus() == HandshakeStatus.NEED_WRAP; i++) {
            e.wrap(ByteBuffer.allocate(0), out);
            runTasks(e);
        }
    }

    private static void runTasks(SSLEngine e) {
        for (Runnable r = e.getDelegatedTask(); r != null; r = e.getDelegatedTask()) {
            r.run();
        }
    }
}
