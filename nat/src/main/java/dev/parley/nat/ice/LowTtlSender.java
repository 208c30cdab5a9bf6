package dev.parley.nat.ice;

import dev.parley.nat.transport.DatagramTransport;
import dev.parley.nat.transport.TaskScheduler;
import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The way out of {@link ConnectivityChecks}: a {@link DatagramTransport} that, during the low-TTL
 * phase, sends datagrams to the peer's direct (non-relayed) candidates with a limited IP TTL and
 * everything else as usual (docs/nat.md, "The conntrack quirk"). The phase ends when the checks say
 * so or at its deadline, which the checks hear about to re-check at once at the default TTL. Where the transport cannot limit the TTL, the phase ends at the first
 * attempt and the datagram leaves with the default TTL, as before the phase existed (logged once per
 * process). Loop-confined, like the checks.
 */
final class LowTtlSender implements DatagramTransport {
    private static final Logger log = LoggerFactory.getLogger(LowTtlSender.class);
    private static final AtomicBoolean UNAVAILABLE_LOGGED = new AtomicBoolean();
    private final DatagramTransport transport;
    private final TaskScheduler scheduler;
    private final int ttl;
    private final Predicate<InetSocketAddress> direct;
    private boolean active;
    private TaskScheduler.@Nullable Cancellable deadline;
    private int sent;

    /**
     * @param transport the socket
     * @param scheduler for the phase's deadline (the transport's thread)
     * @param ttl the low TTL, 1..255
     * @param direct true for a destination the low TTL applies to (a non-relayed remote candidate)
     */
    LowTtlSender(DatagramTransport transport, TaskScheduler scheduler, int ttl, Predicate<InetSocketAddress> direct) {
        DatagramTransport.checkTtl(ttl);
        this.transport = transport;
        this.scheduler = scheduler;
        this.ttl = ttl;
        this.direct = direct;
    }

    /**
     * Starts the phase.
     *
     * @param maxMs it ends after this long at the latest, ms
     * @param onDeadline runs if it ended that way (not after {@link #end()})
     */
    void begin(long maxMs, Runnable onDeadline) {
        active = true;
        deadline = scheduler.schedule(() -> {
            if (active) {
                active = false;
                onDeadline.run();
            }
        }, maxMs);
    }

    /** Ends the phase: everything leaves with the default TTL from now on. Idempotent. */
    void end() {
        active = false;
        if (deadline != null) {
            deadline.cancel();
            deadline = null;
        }
    }

    /** @return datagrams sent with the low TTL */
    int sent() {
        return sent;
    }

    @Override
    public void send(InetSocketAddress to, byte[] payload) {
        if (active && direct.test(to)) {
            if (transport.sendWithTtl(to, payload, ttl)) {
                sent++;
                return;
            }
            end();
            if (UNAVAILABLE_LOGGED.compareAndSet(false, true)) {
                log.info("connectivity checks: this socket cannot limit the IP TTL, so the first checks leave with the default "
                        + "TTL; two NATs that accept unsolicited input may then need the relay (docs/nat.md, \"The conntrack quirk\")");
            }
        }
        transport.send(to, payload);
    }

    @Override
    public InetSocketAddress localAddress() {
        return transport.localAddress();
    }
}
