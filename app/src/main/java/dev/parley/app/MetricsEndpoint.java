package dev.parley.app;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.parley.protocol.HostPort;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;

/**
 * The {@code --metrics HOST:PORT} endpoint of a server role (docs/operations.md "Metrics and health"):
 * {@code GET /metrics} answers the Prometheus text exposition format (Micrometer's
 * {@link PrometheusMeterRegistry#scrape()}), {@code GET /health} answers 200 "ok" while the role
 * serves and 503 "starting" before. Any other path is 404, any other method 405; request bodies are
 * never read. One thread serves it (scrapes are rare and take milliseconds), on the JDK's HTTP server.
 *
 * <p>It carries no authentication: bind it to loopback or a monitoring network only.
 */
final class MetricsEndpoint implements AutoCloseable {
    /** Seconds {@link #close()} lets an exchange in progress finish. */
    private static final int STOP_DELAY_S = 1;

    static {
        // The JDK's server leaves Nagle's algorithm on unless told (read once, when its first server
        // starts): a response's last segment then waits for the scraper's delayed ACK, 40 ms or
        // more on Linux, on every scrape of a kept-alive connection (Prometheus keeps them).
        if (System.getProperty("sun.net.httpserver.nodelay") == null) { // unless the operator said otherwise
            System.setProperty("sun.net.httpserver.nodelay", "true");
        }
    }

    private final PrometheusMeterRegistry registry;
    private final HttpServer server;
    private final ExecutorService executor;
    private final JvmGcMetrics gc = new JvmGcMetrics();

    private MetricsEndpoint(PrometheusMeterRegistry registry, HttpServer server, ExecutorService executor) {
        this.registry = registry;
        this.server = server;
        this.executor = executor;
    }

    /**
     * @return a Prometheus registry with the JVM basics (memory, GC, thread counts, CPU) bound; thread
     *     counts by {@link JvmThreadCounts}, which costs no VM pause
     */
    static PrometheusMeterRegistry newRegistry() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadCounts().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        return registry;
    }

    /**
     * Binds {@code address} and starts serving.
     *
     * @param address where to listen (port 0: any free port, see {@link #address()})
     * @param registry the meters to expose
     * @param healthy whether the role serves now (read on every {@code /health})
     * @return the running endpoint
     * @throws IOException if the address cannot be bound
     */
    static MetricsEndpoint start(HostPort address, PrometheusMeterRegistry registry, BooleanSupplier healthy)
            throws IOException {
        HttpServer server;
        try {
            server = HttpServer.create(new InetSocketAddress(address.host(), address.port()), 16);
        } catch (IOException e) {
            throw new IOException("cannot listen for metrics on " + address + ": " + e.getMessage(), e);
        }
        ExecutorService executor = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "metrics-http");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        MetricsEndpoint endpoint = new MetricsEndpoint(registry, server, executor);
        endpoint.gc.bindTo(registry);
        server.createContext("/", exchange -> endpoint.handle(exchange, healthy));
        server.start();
        return endpoint;
    }

    /** @return the bound address (the actual port when started with port 0) */
    HostPort address() {
        InetSocketAddress a = server.getAddress();
        return new HostPort(a.getAddress().getHostAddress(), a.getPort());
    }

    private void handle(HttpExchange exchange, BooleanSupplier healthy) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            boolean known = "/metrics".equals(path) || "/health".equals(path);
            if (!known) {
                respond(exchange, 404, "text/plain; charset=utf-8", "not found (paths: /metrics, /health)\n");
            } else if (!"GET".equals(exchange.getRequestMethod())) {
                exchange.getResponseHeaders().set("Allow", "GET");
                respond(exchange, 405, "text/plain; charset=utf-8", "method not allowed (expected: GET)\n");
            } else if ("/health".equals(path)) {
                boolean ok = healthy.getAsBoolean();
                respond(exchange, ok ? 200 : 503, "text/plain; charset=utf-8", ok ? "ok\n" : "starting\n");
            } else {
                respond(exchange, 200, "text/plain; version=0.0.4; charset=utf-8", registry.scrape());
            }
        }
    }

    private static void respond(HttpExchange exchange, int status, String contentType, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", contentType);
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    /** Stops serving (waiting up to a second for an exchange in progress) and releases the GC listeners. */
    @Override
    public void close() {
        server.stop(STOP_DELAY_S);
        executor.shutdownNow();
        gc.close();
    }
}
