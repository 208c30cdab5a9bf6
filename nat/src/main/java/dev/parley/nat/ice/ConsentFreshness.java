package dev.parley.nat.ice;

import dev.parley.nat.stun.StunResponse;
import dev.parley.nat.transport.TaskScheduler;
import java.net.InetSocketAddress;
import java.time.InstantSource;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;
import org.jspecify.annotations.Nullable;

/**
 * Consent freshness (RFC 7675 §5.1) on the pair {@link ConnectivityChecks} selected: a check every
 * {@link CheckConfig#consentIntervalMs} ms, randomized ±20 % (0.8..1.2 × the interval), keeps the
 * NAT bindings alive; consent is lost when no check succeeded for {@link CheckConfig#consentTimeoutMs}
 * ms. Times in ms of the given clock. Loop-confined, like its checks.
 */
final class ConsentFreshness {
    private final TaskScheduler scheduler;
    private final InstantSource clock;
    private final RandomGenerator random;
    private final CheckConfig config;
    private final CompletableFuture<String> lost = new CompletableFuture<>();
    private TaskScheduler.@Nullable Cancellable timer;
    private long lastResponseMs;

    /**
     * @param scheduler timers on the socket's thread
     * @param clock when the last response came
     * @param random the interval's jitter (SecureRandom in production)
     * @param config the interval and timeout
     */
    ConsentFreshness(TaskScheduler scheduler, InstantSource clock, RandomGenerator random, CheckConfig config) {
        this.scheduler = scheduler;
        this.clock = clock;
        this.random = random;
        this.config = config;
    }

    /** @return completes with a reason when consent is lost, or when the checks failed or closed */
    CompletableFuture<String> lost() {
        return lost;
    }

    /**
     * Starts the checks: consent holds from now.
     *
     * @param peer the selected pair's remote address (for the reason)
     * @param check sends one check on the selected pair; completes with its response
     */
    void start(InetSocketAddress peer, Supplier<CompletableFuture<StunResponse>> check) {
        lastResponseMs = clock.millis();
        schedule(peer, check);
    }

    /** Cancels the next check; {@link #lost} is left as it is. */
    void stop() {
        if (timer != null) {
            timer.cancel();
        }
    }

    /** Completes {@link #lost} with {@code why} unless it already completed. */
    void lose(String why) {
        lost.complete(why);
    }

    private void schedule(InetSocketAddress peer, Supplier<CompletableFuture<StunResponse>> check) {
        long interval = (long) (config.consentIntervalMs() * (0.8 + 0.4 * random.nextDouble()));
        timer = scheduler.schedule(() -> {
            if (lost.isDone()) {
                return;
            }
            if (clock.millis() - lastResponseMs > config.consentTimeoutMs()) {
                lost.complete("no consent response from " + peer + " for " + (clock.millis() - lastResponseMs) + " ms");
                return;
            }
            check.get().whenComplete((r, e) -> {
                if (e == null && r.isSuccess()) {
                    lastResponseMs = clock.millis();
                }
            });
            schedule(peer, check);
        }, interval);
    }
}
