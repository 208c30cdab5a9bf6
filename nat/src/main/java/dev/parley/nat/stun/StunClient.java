package dev.parley.nat.stun;

import dev.parley.nat.transport.DatagramHandler;
import dev.parley.nat.transport.DatagramTransport;
import dev.parley.nat.transport.TaskScheduler;
import dev.parley.protocol.PacketKind;
import java.net.InetSocketAddress;
import java.time.InstantSource;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.random.RandomGenerator;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * STUN client transactions over UDP with retransmission (RFC 8489 §6.2.1): the request is sent
 * at 0, RTO, 3·RTO, 7·RTO, … (the interval doubling) up to Rc transmissions, then the client
 * waits Rm·RTO before failing with {@link StunTimeoutException}. With the defaults (RTO 500 ms,
 * Rc 7, Rm 16) transmissions go at 0, 0.5, 1.5, 3.5, 7.5, 15.5, 31.5 s and the transaction
 * fails at 39.5 s.
 *
 * <p>Install as a {@link DatagramHandler} on the transport: it consumes responses whose
 * transaction id matches an open transaction and that decode (a bad FINGERPRINT fails decoding)
 * and, when a response key is given, carry a valid MESSAGE-INTEGRITY. Everything else is left
 * for other handlers. Loop-confined: call every method on the transport's thread.
 */
public final class StunClient implements DatagramHandler {
    private static final Logger log = LoggerFactory.getLogger(StunClient.class);

    /**
     * Retransmission parameters.
     *
     * @param rtoMs initial retransmission timeout, ms (RFC 8489: 500)
     * @param rc total transmissions (RFC 8489: 7)
     * @param rm multiple of RTO to wait after the last transmission (RFC 8489: 16)
     */
    public record Timing(long rtoMs, int rc, int rm) {
        /** RFC 8489 §6.2.1 defaults. */
        public static final Timing RFC8489 = new Timing(500, 7, 16);

        /** @throws IllegalArgumentException on non-positive values */
        public Timing {
            if (rtoMs <= 0 || rc <= 0 || rm <= 0) {
                throw new IllegalArgumentException(String.format("timing: rto %d ms, rc %d, rm %d (expected: all > 0)", rtoMs, rc, rm));
            }
        }

        /** @return ms from the first transmission until the transaction fails */
        public long totalMs() {
            return rtoMs * ((1L << (rc - 1)) - 1) + rtoMs * rm;
        }
    }

    private final DatagramTransport transport;
    private final TaskScheduler scheduler;
    private final InstantSource clock;
    private final RandomGenerator random;
    private final Timing timing;
    private final Map<TransactionId, Transaction> open = new HashMap<>();

    /**
     * @param transport the socket requests go out of
     * @param scheduler timers on the transport's thread
     * @param clock for round-trip times
     * @param random source of transaction ids (a SecureRandom in production)
     * @param timing retransmission parameters
     */
    public StunClient(DatagramTransport transport, TaskScheduler scheduler, InstantSource clock, RandomGenerator random, Timing timing) {
        this.transport = transport;
        this.scheduler = scheduler;
        this.clock = clock;
        this.random = random;
        this.timing = timing;
    }

    /** @return a fresh random transaction id */
    public TransactionId newTransactionId() {
        return TransactionId.random(random);
    }

    /**
     * Sends a plain Binding request (with FINGERPRINT) to learn the server-reflexive address.
     *
     * @param server STUN server
     * @return completes with the response, or exceptionally with {@link StunTimeoutException}
     */
    public CompletableFuture<StunResponse> binding(InetSocketAddress server) {
        return request(server, StunMessage.bindingRequest(newTransactionId()), StunSeal.fingerprintOnly(), null);
    }

    /**
     * Runs one transaction.
     *
     * @param server destination
     * @param request the request (its transaction id must not be in use)
     * @param seal integrity/fingerprint to append
     * @param responseKey if given, responses must carry a MESSAGE-INTEGRITY valid under this key
     * @return completes with the first acceptable response (success or error class), or exceptionally
     *     with {@link StunTimeoutException}; cancelling it stops retransmissions
     */
    public CompletableFuture<StunResponse> request(InetSocketAddress server, StunMessage request, StunSeal seal, byte @Nullable [] responseKey) {
        if (open.containsKey(request.transactionId())) {
            throw new IllegalStateException("transactionId: " + request.transactionId() + " already in use");
        }
        Transaction t = new Transaction(server, StunCodec.encode(request, seal), request.transactionId(), responseKey);
        open.put(t.id, t);
        t.future.whenComplete((r, e) -> close(t));
        t.transmit();
        return t.future;
    }

    /** @return number of transactions still waiting for a response */
    public int openTransactions() {
        return open.size();
    }

    @Override
    public boolean onDatagram(InetSocketAddress from, byte[] payload) {
        if (payload.length < StunCodec.HEADER_BYTES || PacketKind.of(payload) != PacketKind.STUN || open.isEmpty()) {
            return false;
        }
        StunMessage m;
        try {
            m = StunCodec.decode(payload);
        } catch (StunDecodeException e) {
            log.debug("stun from {} ignored: {}", from, e.getMessage());
            return false;
        }
        Transaction t = open.get(m.transactionId());
        if (t == null || !m.type().isResponse()) {
            return false;
        }
        if (t.responseKey != null && !StunCodec.verifyIntegrity(payload, t.responseKey)) {
            log.debug("stun response from {} ignored: bad MESSAGE-INTEGRITY", from);
            return true; // ours, but forged: drop it and keep waiting (RFC 8489 §9.1.4)
        }
        t.future.complete(new StunResponse(m, from, clock.millis() - t.lastSentMs));
        return true;
    }

    private void close(Transaction t) {
        open.remove(t.id);
        if (t.timer != null) {
            t.timer.cancel();
        }
    }

    private final class Transaction {
        final InetSocketAddress server;
        final byte[] bytes;
        final TransactionId id;
        final byte[] responseKey;
        final CompletableFuture<StunResponse> future = new CompletableFuture<>();
        final long startMs = clock.millis();
        long lastSentMs;
        int sent;
        TaskScheduler.Cancellable timer;

        Transaction(InetSocketAddress server, byte[] bytes, TransactionId id, byte[] responseKey) {
            this.server = server;
            this.bytes = bytes;
            this.id = id;
            this.responseKey = responseKey;
        }

        void transmit() {
            if (future.isDone()) {
                return;
            }
            transport.send(server, bytes);
            lastSentMs = clock.millis();
            sent++;
            if (sent < timing.rc()) {
                timer = scheduler.schedule(this::transmit, timing.rtoMs() << (sent - 1));
            } else {
                timer = scheduler.schedule(() -> future.completeExceptionally(
                        new StunTimeoutException(server, sent, clock.millis() - startMs)), timing.rtoMs() * timing.rm());
            }
        }
    }

    /** @return the transmission offsets in ms implied by a timing (for documentation and tests) */
    public static List<Long> transmissionOffsetsMs(Timing timing) {
        Long[] out = new Long[timing.rc()];
        long at = 0;
        for (int i = 0; i < timing.rc(); i++) {
            out[i] = at;
            at += timing.rtoMs() << i;
        }
        return List.of(out);
    }
}
