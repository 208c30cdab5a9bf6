package dev.parley.app;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;

/**
 * The JVM's thread counts for {@code /metrics}: {@code jvm_threads_live_threads},
 * {@code jvm_threads_daemon_threads}, {@code jvm_threads_peak_threads} and
 * {@code jvm_threads_started_threads_total}, the names Micrometer's {@code JvmThreadMetrics} uses.
 *
 * <p>It leaves out that binder's {@code jvm_threads_states_threads{state}}: each of its six gauges
 * calls {@link ThreadMXBean#getThreadInfo(long[])} for every thread, a VM operation that stops the
 * application's threads, six times per scrape; on a loaded server that made scrapes slow and cost
 * the event loops time (docs/benchmarks.md "What metrics cost"). These four reads are counters the
 * JVM keeps and cost no pause.
 */
final class JvmThreadCounts implements MeterBinder {
    @Override
    public void bindTo(MeterRegistry registry) {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        Gauge.builder("jvm.threads.live", threads, ThreadMXBean::getThreadCount)
                .description("The current number of live threads including both daemon and non-daemon threads")
                .baseUnit("threads").register(registry);
        Gauge.builder("jvm.threads.daemon", threads, ThreadMXBean::getDaemonThreadCount)
                .description("The current number of live daemon threads").baseUnit("threads").register(registry);
        Gauge.builder("jvm.threads.peak", threads, ThreadMXBean::getPeakThreadCount)
                .description("The peak live thread count since the Java virtual machine started or peak was reset")
                .baseUnit("threads").register(registry);
        FunctionCounter.builder("jvm.threads.started", threads, ThreadMXBean::getTotalStartedThreadCount)
                .description("The total number of application threads started in the JVM")
                .baseUnit("threads").register(registry);
    }
}
