package dev.parley.app.bots;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * The cost of metrics under benchmark load: every super node of the bots overlay gets its own
 * Prometheus registry (as each would in its own process with {@code --metrics}), and one thread
 * scrapes all of them every {@code intervalMs} (Prometheus' default is 15 s; the benchmark scrapes
 * far more often to make the cost visible). Reports the scrape time per registry.
 */
final class MetricsScraper implements AutoCloseable {
    private final List<PrometheusMeterRegistry> registries = new ArrayList<>();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "metrics-scraper");
        t.setDaemon(true);
        return t;
    });
    /** Scrape times in µs, up to 10 s; written by the scraper thread only. */
    private final Histogram scrapeUs = new Histogram(10_000_000L, 3);
    private long bytes;

    /** @return a new registry, scraped from {@link #start} on */
    PrometheusMeterRegistry newRegistry() {
        PrometheusMeterRegistry r = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        registries.add(r);
        return r;
    }

    /** Scrapes every registry each {@code intervalMs} until {@link #close}. */
    void start(int intervalMs) {
        timer.scheduleAtFixedRate(this::scrapeAll, intervalMs, intervalMs, TimeUnit.MILLISECONDS);
    }

    private void scrapeAll() {
        for (PrometheusMeterRegistry r : registries) {
            long t0 = System.nanoTime();
            String text = r.scrape();
            scrapeUs.recordValue(Math.min(scrapeUs.getHighestTrackableValue(), (System.nanoTime() - t0) / 1_000));
            bytes += text.length();
        }
    }

    /** @return scrapes, scrape time p50/p99/max (ms) and mean size (bytes), read on the scraper thread */
    Map<String, Object> stats() throws Exception {
        return timer.submit(() -> {
            Map<String, Object> m = new LinkedHashMap<>();
            long n = scrapeUs.getTotalCount();
            m.put("scrapes", n);
            m.put("scrape_p50_ms", scrapeUs.getValueAtPercentile(50) / 1000.0);
            m.put("scrape_p99_ms", scrapeUs.getValueAtPercentile(99) / 1000.0);
            m.put("scrape_max_ms", scrapeUs.getMaxValue() / 1000.0);
            m.put("scrape_mean_bytes", n == 0 ? 0 : bytes / n);
            return m;
        }).get(10, TimeUnit.SECONDS);
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
