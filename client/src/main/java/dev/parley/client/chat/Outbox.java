package dev.parley.client.chat;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.parley.protocol.Futures;
import dev.parley.protocol.ProtocolException;
import dev.parley.protocol.wire.ChatPacket;
import dev.parley.protocol.wire.ErrorCode;
import java.sql.SQLException;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sending the outbox ({@link OutboxStore}): every due copy (one per recipient device) is sent as
 * first sealed (same message id); a failure is retried with backoff (1 s doubling to {@value #MAX_BACKOFF_MS} ms), a refusal
 * that will not change (BAD_REQUEST, INVALID_USERNAME, INVALID_CREDENTIAL) drops the entry; a
 * message accepted by the network waits {@value #RECEIPT_WAIT_MS} ms for its delivery receipt and
 * is then sent again, anything else leaves the outbox once accepted.
 *
 * <p>Chat thread only.
 */
final class Outbox {
    private static final Logger log = LoggerFactory.getLogger(Outbox.class);
    /** How long a sent message waits for its delivery receipt before it is sent again, ms. */
    static final long RECEIPT_WAIT_MS = 60_000;
    /** Longest retry delay after a failed send, ms. */
    static final long MAX_BACKOFF_MS = 30_000;

    private final ChatService chat;
    private final Set<String> inFlight = new HashSet<>();

    Outbox(ChatService chat) {
        this.chat = chat;
    }

    /** Sends every due entry not already on its way. */
    void flush() {
        List<OutboxStore.Entry> due;
        try {
            due = chat.store.outbox.due(chat.clock.millis(), 100);
        } catch (SQLException e) {
            log.warn("reading the outbox failed: {}", e.getMessage());
            return;
        }
        for (OutboxStore.Entry e : due) {
            if (!inFlight.add(e.copy())) {
                continue;
            }
            ChatPacket p;
            try {
                p = ChatPacket.parseFrom(e.packet());
            } catch (InvalidProtocolBufferException ex) {
                inFlight.remove(e.copy());
                dropOutbox(e);
                continue;
            }
            chat.transport.send(p).whenCompleteAsync((ok, ex) -> sent(e, ex), chat.thread);
        }
    }

    private void sent(OutboxStore.Entry e, @Nullable Throwable failure) {
        inFlight.remove(e.copy());
        if (chat.closed()) {
            return; // the database is closed; the outbox resends after the next start
        }
        long now = chat.clock.millis();
        try {
            if (failure == null) {
                if (e.untilReceipt()) {
                    chat.store.advance(e.messageId(), MessageStatus.SENT);
                    chat.store.outbox.reschedule(e, now + RECEIPT_WAIT_MS, e.tries() + 1, true);
                } else {
                    chat.store.outbox.remove(e);
                }
                return;
            }
            Throwable cause = Futures.unwrap(failure);
            if (cause instanceof ProtocolException pe && !retryable(pe.code())) {
                log.warn("chat packet {} to {} refused for good: {}", e.messageId(), e.peer(), pe.getMessage());
                chat.store.outbox.remove(e);
                return;
            }
            long backoff = Math.min(MAX_BACKOFF_MS, 1_000L << Math.min(5, e.tries()));
            log.debug("chat packet {} to {} not sent ({}); retry in {} ms", e.messageId(), e.peer(), cause.getMessage(), backoff);
            chat.store.outbox.reschedule(e, now + backoff, e.tries() + 1, false);
        } catch (SQLException ex) {
            log.warn("updating the outbox failed: {}", ex.getMessage());
        }
    }

    private static boolean retryable(ErrorCode code) {
        return switch (code) {
            case BAD_REQUEST, INVALID_USERNAME, INVALID_CREDENTIAL -> false;
            default -> true;
        };
    }

    private void dropOutbox(OutboxStore.Entry entry) {
        try {
            chat.store.outbox.remove(entry);
        } catch (SQLException e) {
            log.warn("updating the outbox failed: {}", e.getMessage());
        }
    }
}
