package dev.parley.app.bots;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
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
 * scrapes each of them every {@code intervalMs} (Prometheus' default is 15 s; the benchmark scrapes
 * far more often to make the cost visible). Reports the scrape time per registry and, on Linux, how
 * it splits into CPU time and time spent runnable but waiting for a core.
 *
 * <p>The registries' scrapes are spread evenly over the interval, as Prometheus spreads its targets'
 * scrapes (and as separate processes would be scraped). Scraping all of them back to back made one
 * burst of ~20 × 0.5 ms CPU, longer than the kernel's time slice, so the later scrapes of each burst
 * measured the scheduler preempting the burst, not a scrape.
 */
final class MetricsScraper implements AutoCloseable {
    /**
     * Linux: this thread's time on a CPU and waiting on a runqueue so far, in ns (proc(5)
     * "schedstat"). Only the wait is used: it is updated when the thread gets a core, so it is current
     * whenever the thread reads it; the CPU time there lags until the next tick or switch, so CPU time
     * comes from {@link ThreadMXBean#getCurrentThreadCpuTime()} (exact).
     */
    private static final Path SCHEDSTAT = Path.of("/proc/thread-self/schedstat");
    private static final long MAX_US = 10_000_000L;
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private final List<PrometheusMeterRegistry> registries = new ArrayList<>();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "metrics-scraper");
        t.setDaemon(true);
        return t;
    });
    /** Scrape times in µs, up to 10 s; written by the scraper thread only. */
    private final Histogram scrapeUs = new Histogram(MAX_US, 3);
    /** CPU time of each scrape (µs), from schedstat; empty where it cannot be read. */
    private final Histogram cpuUs = new Histogram(MAX_US, 3);
    /** Time each scrape was runnable but waited for a core (µs), from schedstat. */
    private final Histogram runqueueUs = new Histogram(MAX_US, 3);
    private long bytes;

    /** @return a new registry, scraped from {@link #start} on */
    PrometheusMeterRegistry newRegistry() {
        PrometheusMeterRegistry r = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        registries.add(r);
        return r;
    }

    /** Scrapes every registry each {@code intervalMs}, spread over the interval, until {@link #close}. */
    void start(int intervalMs) {
        for (int i = 0; i < registries.size(); i++) {
            PrometheusMeterRegistry r = registries.get(i);
            long offsetMs = (long) intervalMs * i / registries.size();
            timer.scheduleAtFixedRate(() -> scrape(r), intervalMs + offsetMs, intervalMs, TimeUnit.MILLISECONDS);
        }
    }

    private void scrape(PrometheusMeterRegistry r) {
        // Wall time around CPU time and wait: neither part can exceed the whole.
        long t0 = System.nanoTime();
        long wait0 = runqueueWaitNanos();
        long cpu0 = THREADS.getCurrentThreadCpuTime();
        String text = r.scrape();
        long cpu1 = THREADS.getCurrentThreadCpuTime();
        long wait1 = runqueueWaitNanos();
        long us = (System.nanoTime() - t0) / 1_000;
        scrapeUs.recordValue(Math.min(MAX_US, us));
        if (cpu0 >= 0 && cpu1 >= 0) {
            cpuUs.recordValue(Math.min(MAX_US, (cpu1 - cpu0) / 1_000));
        }
        if (wait0 >= 0 && wait1 >= 0) {
            runqueueUs.recordValue(Math.min(MAX_US, (wait1 - wait0) / 1_000));
        }
        bytes += text.length();
    }

    /** @return this thread's runqueue wait so far in ns, or -1 where schedstat is unavailable */
    private static long runqueueWaitNanos() {
        try {
            String[] f = Files.readString(SCHEDSTAT).trim().split(" ");
            return Long.parseLong(f[1]);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /**
     * @return scrapes, scrape time p50/p99/max (ms), its CPU time and runqueue wait p50/p99/max (ms;
     *     absent where not measured) and mean size (bytes), read on the scraper thread
     */
    Map<String, Object> stats() throws Exception {
        return timer.submit(() -> {
            Map<String, Object> m = new LinkedHashMap<>();
            long n = scrapeUs.getTotalCount();
            m.put("scrapes", n);
            put(m, "scrape", scrapeUs);
            if (cpuUs.getTotalCount() > 0) {
                put(m, "scrape_cpu", cpuUs);
            }
            if (runqueueUs.getTotalCount() > 0) {
                put(m, "scrape_runqueue", runqueueUs);
            }
            m.put("scrape_mean_bytes", n == 0 ? 0 : bytes / n);
            return m;
        }).get(10, TimeUnit.SECONDS);
    }

    private static void put(Map<String, Object> m, String name, Histogram h) {
        m.put(name + "_p50_ms", h.getValueAtPercentile(50) / 1000.0);
        m.put(name + "_p99_ms", h.getValueAtPercentile(99) / 1000.0);
        m.put(name + "_max_ms", h.getMaxValue() / 1000.0);
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
