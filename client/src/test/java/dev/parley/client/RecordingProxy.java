package dev.parley.client;

import dev.parley.protocol.HostPort;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A passive eavesdropper on the path: a TCP proxy on 127.0.0.1 that forwards to {@code target} and
 * keeps a copy of every byte both ways (at most {@value #MAX_BYTES} bytes), as a network tap would.
 */
final class RecordingProxy implements AutoCloseable {
    static final int MAX_BYTES = 1 << 20;
    private final ServerSocket server;
    private volatile HostPort target;
    private final ByteArrayOutputStream seen = new ByteArrayOutputStream();
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();

    RecordingProxy(HostPort target) throws IOException {
        this.target = target;
        this.server = new ServerSocket(0, 16, InetAddress.getLoopbackAddress());
        Thread accept = new Thread(this::acceptLoop, "recording-proxy");
        accept.setDaemon(true);
        accept.start();
    }

    /**
     * Forwards to {@code to} from now on: a tap sits on the path, so the super node behind it
     * advertises (and is certified for) the tap's address, known only once the tap listens.
     */
    void forwardTo(HostPort to) {
        this.target = to;
    }

    HostPort address() {
        return new HostPort("127.0.0.1", server.getLocalPort());
    }

    /** @return every byte that crossed the proxy so far, both directions */
    byte[] seen() {
        synchronized (seen) {
            return seen.toByteArray();
        }
    }

    private void acceptLoop() {
        try {
            while (!server.isClosed()) {
                Socket in = server.accept();
                Socket out = new Socket(target.host(), target.port());
                sockets.add(in);
                sockets.add(out);
                pump(in, out);
                pump(out, in);
            }
        } catch (IOException e) {
            // closed
        }
    }

    private void pump(Socket from, Socket to) {
        Thread t = new Thread(() -> {
            byte[] buf = new byte[8192];
            try (InputStream i = from.getInputStream(); OutputStream o = to.getOutputStream()) {
                for (int n; (n = i.read(buf)) > 0; ) {
                    synchronized (seen) {
                        if (seen.size() + n <= MAX_BYTES) {
                            seen.write(buf, 0, n);
                        }
                    }
                    o.write(buf, 0, n);
                }
            } catch (IOException e) {
                // one side closed
            }
        }, "recording-proxy-pump");
        t.setDaemon(true);
        t.start();
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Socket s : sockets) {
            s.close();
        }
    }
}
