package dev.parley.client.serve;

import com.google.protobuf.ByteString;
import dev.parley.protocol.ControlConnection;
import dev.parley.protocol.UploadBursts;
import dev.parley.protocol.wire.Envelope;
import dev.parley.protocol.wire.ServeProbeEcho;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A serve candidate's side of the reachability probe (docs/protocol.md "Serving clients"): echoes a
 * probe datagram's nonce over the offer connection, sends the upload burst the login server then
 * asks for, and keeps the upload the login server measured.
 *
 * <p>Only probe datagrams from the login server's host (the offer connection's remote address)
 * are echoed. Anyone can send a datagram to the serve port; echoing a stranger's nonce would hand
 * the login server a wrong nonce and cost the candidate its candidacy (docs/security.md "Promoted
 * clients"). The same check keeps the burst from going to an address a stranger's datagram named.
 *
 * <p>Confined to the serve role's thread ({@code client-serve}), except {@link #measuredUploadKbps()}.
 */
final class ProbeResponder {
    private static final Logger log = LoggerFactory.getLogger(ProbeResponder.class);

    private final Duration requestTimeout;
    /** The rate the upload burst is paced at, kbit/s: the stated share (tests: a slow uplink). */
    private final int burstPaceKbps;
    private final Executor thread;
    private byte @Nullable [] echoedNonce; // the nonce of the last echo, whose answer counts
    private long ignored; // probe datagrams not from the login server's host
    private volatile int measuredUploadKbps = -1;

    /**
     * @param requestTimeout how long the login server may take to answer an echo
     * @param burstPaceKbps the rate to pace the upload burst at, kbit/s
     * @param thread the serve role's thread (answers continue there)
     */
    ProbeResponder(Duration requestTimeout, int burstPaceKbps, Executor thread) {
        this.requestTimeout = requestTimeout;
        this.burstPaceKbps = burstPaceKbps;
        this.thread = thread;
    }

    /**
     * A probe datagram arrived on the serve port: echoes its nonce over {@code offer} if it came from
     * the login server's host; if the login server confirms it with a {@code ServeBurst}, sends the
     * upload burst to the datagram's sender from the listener {@code listener} supplies (null once
     * the offer is gone: then nothing is sent).
     *
     * @param offer the current offer connection (active)
     * @param nonce the datagram's 16-byte nonce
     * @param sender the datagram's source address
     */
    void probed(ControlConnection offer, byte[] nonce, InetSocketAddress sender, Supplier<@Nullable ProbeListener> listener) {
        SocketAddress remote = offer.channel().remoteAddress();
        if (!(remote instanceof InetSocketAddress login) || !sender.getAddress().equals(login.getAddress())) {
            // Not echoed, not answered: a stranger's datagram changes nothing (debug: it may come often).
            ignored++;
            log.debug("probe datagram from {} ignored: not the login server's host {} ({} ignored so far)", sender, remote,
                    ignored);
            return;
        }
        echoedNonce = nonce;
        offer.request(Envelope.newBuilder().setServeProbeEcho(ServeProbeEcho.newBuilder()
                .setNonce(ByteString.copyFrom(nonce))), requestTimeout).thenAccept(answer -> thread.execute(() -> {
                    ProbeListener l = listener.get();
                    if (!answer.hasServeBurst() || l == null) {
                        return;
                    }
                    l.burst(sender, nonce, answer.getServeBurst(), burstPaceKbps).whenComplete((n, e) -> {
                        if (e != null) {
                            log.warn("upload burst not sent: {}", e.getMessage());
                        }
                    });
                })).exceptionally(e -> null);
    }

    /** The login server's answer to the upload burst: kept if it is for the nonce echoed last. */
    void answered(UploadBursts.Answer answer) {
        if (echoedNonce != null && MessageDigest.isEqual(echoedNonce, answer.nonce())) {
            measuredUploadKbps = answer.kbps();
            log.info("upload measured by the login server: {} kbit/s ({} datagrams)", answer.kbps(), answer.datagrams());
        }
    }

    /** @return probe datagrams ignored because they did not come from the login server's host (serve thread) */
    long ignored() {
        return ignored;
    }

    /** @return the upload the login server measured, kbit/s; -1 before its answer (any thread) */
    int measuredUploadKbps() {
        return measuredUploadKbps;
    }
}
