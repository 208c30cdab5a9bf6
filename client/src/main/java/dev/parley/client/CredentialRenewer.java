package dev.parley.client;

import dev.parley.protocol.Credentials;
import dev.parley.protocol.Futures;
import dev.parley.protocol.ProtocolException;
import dev.parley.protocol.wire.Credential;
import dev.parley.protocol.wire.ErrorCode;
import dev.parley.protocol.wire.LoginResult;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Renews the client's credential before it expires, without the password: at {@value #RENEW_AT_PERCENT} %
 * of its lifetime it asks the login server ({@code RenewCredential}, signed by the client's key) for
 * a new one and hands it to {@code renewed} (re-register with the super node, save, use in calls).
 * While the login server is unreachable it retries after {@value #FIRST_RETRY_MS} ms, doubling up to
 * {@value #MAX_RETRY_MS} ms, until the credential expires (it still works until then). A refusal
 * (account disabled, password changed) is final: it is logged with the reason, {@link #refused()}
 * completes with it, and the session ends when the credential expires (the super node closes it).
 *
 * <p>All state is confined to one event loop.
 */
final class CredentialRenewer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(CredentialRenewer.class);
    /** When in a credential's lifetime it is renewed, in percent. */
    static final int RENEW_AT_PERCENT = 75;
    static final long FIRST_RETRY_MS = 1000;
    static final long MAX_RETRY_MS = 60_000;

    private final EventLoop loop;
    private final InstantSource clock;
    private final byte[] serverKey;
    private final Function<Credential, CompletableFuture<LoginResult>> renew;
    private final CompletableFuture<ProtocolException> refused = new CompletableFuture<>();
    private volatile Credential current;
    private Consumer<LoginResult> renewed = r -> { }; // set by start, before the first renewal
    private @Nullable ScheduledFuture<?> timer; // loop only
    private volatile boolean closed;

    /**
     * @param loop the event loop the renewer runs on
     * @param clock time for the renewal schedule
     * @param serverKey the login server's key (pinned), which must sign the new credential
     * @param first the credential from the login
     * @param renew asks the login server to renew a credential (e.g. {@link LoginClient#renew})
     */
    CredentialRenewer(EventLoop loop, InstantSource clock, byte[] serverKey, Credential first,
            Function<Credential, CompletableFuture<LoginResult>> renew) {
        this.loop = loop;
        this.clock = clock;
        this.serverKey = serverKey.clone();
        this.current = first;
        this.renew = renew;
    }

    /**
     * Schedules the first renewal.
     *
     * @param onRenewed told each new, verified login result on the loop (hand off blocking work)
     */
    void start(Consumer<LoginResult> onRenewed) {
        loop.execute(() -> {
            renewed = onRenewed;
            schedule(delayUntilRenewal(current), "renewal");
        });
    }

    /** @return the newest credential */
    Credential credential() {
        return current;
    }

    /** @return completes with the login server's refusal to renew (e.g. ACCOUNT_DISABLED), if it refuses */
    CompletableFuture<ProtocolException> refused() {
        return refused;
    }

    /** @return ms from now until {@value #RENEW_AT_PERCENT} % of {@code c}'s lifetime, at least 0 */
    long delayUntilRenewal(Credential c) {
        long lifetime = c.getExpiresAtMs() - c.getIssuedAtMs();
        long at = c.getIssuedAtMs() + lifetime * RENEW_AT_PERCENT / 100;
        return Math.max(0, at - clock.millis());
    }

    private void schedule(long delayMs, String what) {
        if (closed) {
            return;
        }
        log.debug("credential {} in {} ms", what, delayMs);
        timer = loop.schedule(() -> attempt(FIRST_RETRY_MS), delayMs, TimeUnit.MILLISECONDS);
    }

    private void attempt(long nextBackoffMs) {
        if (closed) {
            return;
        }
        Credential old = current;
        renew.apply(old).whenCompleteAsync((result, e) -> {
            if (closed) {
                return;
            }
            if (e == null) {
                accept(old, result);
                return;
            }
            Throwable cause = Futures.unwrap(e);
            if (cause instanceof ProtocolException pe && pe.code() != ErrorCode.RATE_LIMITED
                    && pe.code() != ErrorCode.INTERNAL) {
                log.warn("credential renewal refused: {} ({}); the session ends when the credential expires at {}",
                        pe.getMessage(), pe.code(), Instant.ofEpochMilli(old.getExpiresAtMs()));
                refused.complete(pe);
                return;
            }
            long leftMs = old.getExpiresAtMs() - clock.millis();
            if (leftMs <= 0) {
                log.warn("credential expired at {} without renewal: {}", Instant.ofEpochMilli(old.getExpiresAtMs()),
                        cause.getMessage());
                return;
            }
            log.warn("credential renewal failed ({}); retrying in {} ms", cause.getMessage(), nextBackoffMs);
            timer = loop.schedule(() -> attempt(Math.min(MAX_RETRY_MS, nextBackoffMs * 2)),
                    Math.min(nextBackoffMs, leftMs), TimeUnit.MILLISECONDS);
        }, loop);
    }

    /** Checks the new credential (the pinned login server's, for the same user and key) and adopts it. */
    private void accept(Credential old, LoginResult result) {
        Credential fresh = result.getCredential();
        try {
            Credentials.verify(serverKey, fresh, clock.instant());
            if (!fresh.getUsername().equals(old.getUsername()) || !fresh.getPublicKey().equals(old.getPublicKey())
                    || !Arrays.equals(result.getServerPublicKey().toByteArray(), serverKey)) {
                throw new ProtocolException(ErrorCode.INVALID_CREDENTIAL,
                        "renewed credential is for another user, key or login server");
            }
        } catch (ProtocolException e) {
            log.warn("login server answered the renewal with a bad credential: {}", e.getMessage());
            refused.complete(e);
            return;
        }
        current = fresh;
        log.info("credential renewed until {}", Instant.ofEpochMilli(fresh.getExpiresAtMs()));
        renewed.accept(result);
        schedule(delayUntilRenewal(fresh), "renewal");
    }

    @Override
    public void close() {
        closed = true;
        try {
            loop.execute(() -> {
                if (timer != null) {
                    timer.cancel(false);
                }
            });
        } catch (RejectedExecutionException e) {
            log.debug("renewer closed after its event loop");
        }
    }
}
